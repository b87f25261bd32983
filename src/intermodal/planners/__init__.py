"""Planners (layer 5): answer freight questions (route options for a shipment, many shipments, scenarios)."""
