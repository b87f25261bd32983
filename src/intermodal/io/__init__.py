"""Files in, files out (layer 1b): bundles (folder or zip), the embedded scenarios, GTFS, world graphs.

Readers turn files into the model and report every problem with its file, row and field. Only services call
this layer; the engines and planners never read files.
"""
