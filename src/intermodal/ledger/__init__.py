"""The operations ledger (layer 6): departures, bookings, container events and throughput reports."""
