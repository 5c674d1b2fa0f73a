"""HTTP edge: FastAPI app factory, routers, error mapping, widget and Slack."""
