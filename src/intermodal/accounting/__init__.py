"""Cost and emission accounting (layer 2): ISO 14083 / GLEC transport chain elements from factors.

Pure functions of the model: the network compiler uses them for edge weights, the planners for the breakdown
of an itinerary. Nothing here knows about search.
"""
