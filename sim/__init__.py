"""Crosspaths: simulate chance meetings between institutions in a city district.

The package is arranged in the order data flows through it::

    layout/      layout file -> validated Layout
    network/     Layout -> street graph -> precomputed routes
    population/  agents (Mesa) and their day plans
    engine/      trips -> encounters -> meetings; the Mesa model
    metrics.py   meetings -> headline figures and tables
    outputs/     tables, GeoJSON, figures, the results folder
    cli.py       the thin command line behind ``run_sim.py``
"""

__version__ = "0.1.0"
