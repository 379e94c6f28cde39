"""rubric-forms: one rubric source, print-ready Word forms and fillable PDF forms."""

__version__ = "0.1.0"
