"""fugong (复工): steer enterprise work resumption with data during a public-health emergency."""

__version__ = "0.1.0"
