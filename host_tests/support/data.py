# Test data shared by all lanes; paths are relative to the repo root, which is
# the working directory in every lane.
import json

VECTORS_PATH = "host_tests/data/sts_vectors.json"  # copy of ../shared/sts/vectors.json


def load_vectors(kind=None):
    with open(VECTORS_PATH) as f:
        vectors = json.load(f)["vectors"]
    if kind is None:
        return vectors
    return [v for v in vectors if v["kind"] == kind]
