"""Device drivers (edges): buses and pins are injected, never built here."""
