"""The hostile-input harness (issue 20): generators of hostile files and a runner with limits."""
