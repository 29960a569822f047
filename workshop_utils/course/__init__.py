"""The machinery behind ``workshop_utils.setup``: notebooks call setup() and never import these modules.

* ``config``      - profiles, per-notebook settings and self-check targets (the one table for them)
* ``startup``     - loading Keras without TensorFlow's start-up log, and the start-up problems in words
* ``backends``    - the backend rule: which notebooks need TensorFlow, the devices the backend sees
* ``environment`` - the environment report (versions, devices, graphviz, datasets) and setup's first line
* ``paths``       - the artifacts folder, per-run folders and the metrics file of a run
* ``standins``    - small synthetic datasets used when a real one cannot be loaded
"""
