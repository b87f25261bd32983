"""Search engines (layer 4): plain functions over arrays, with a plain reference beside each fast one.

Engines see the compiled network only. They never read files and keep no global state, so that workers can
share one compiled network.
"""
