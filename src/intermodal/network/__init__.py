"""The compiled network (layer 3): the model turned into flat arrays that the engines search."""
