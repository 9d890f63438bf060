"""`python -m tests.keras_programs.reference NAME...`: programs under real Keras 3 on the backend
KERAS_BACKEND names; prints {name: numbers or error text} as JSON on the last line."""

import json
import sys

import keras

from tests.keras_programs.harness import run_or_error

if __name__ == "__main__":
    print(json.dumps({name: run_or_error(name, keras) for name in sys.argv[1:]}))
