"""The guided outsourcing checklist: steps as data, a flow, and the procurement brief."""
