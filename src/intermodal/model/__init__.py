"""The model: plain, immutable data about a freight network (layer 1).

Terminals, links, services, border crossings and factor tables, gathered in a :class:`Bundle`. The model is
validated once, when it is loaded by :mod:`intermodal.io`; everything above trusts it. It imports nothing from
intermodal but :mod:`intermodal.exceptions`.
"""
