import sys
from pathlib import Path

import matplotlib

# The maintainer's tools (the main job, its report, the baselines) are scripts in tools/, not part of the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

matplotlib.use("Agg")
