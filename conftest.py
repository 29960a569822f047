"""Every test and every notebook under nbval runs in the smoke profile (seconds per notebook)."""
import os

os.environ["WORKSHOP_PROFILE"] = "smoke"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
