"""Model Workbench's Jupyter side: widgets and the kernel comm the JupyterLab sidebar talks to.

The widgets (graph editor, training dashboard, inspector, playground) sit on `engine`; they are
being built in this package (see docs/architecture.md).
"""
