"""Services (layer 7): the CLI, the REST API and the web app. Thin: the work happens in the layers below."""
