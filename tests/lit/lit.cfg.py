# lit configuration for mtc: tests/lit/**/*.relay with RUN lines over build/bin/mtc.
import os
import sys
import lit.formats

config.name = "mtc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".relay", ".test"]
config.excludes = ["Inputs"]
config.test_source_root = os.path.dirname(__file__)
bindir = os.environ.get("MTC_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build", "bin"))
config.environment["PATH"] = os.pathsep.join([bindir, "/usr/lib/llvm-19/bin", config.environment.get("PATH", os.environ["PATH"])])
config.substitutions.append(("%mtc", os.path.join(bindir, "mtc")))
config.substitutions.append(("%inputs", os.path.join(os.path.dirname(__file__), "Inputs")))
config.substitutions.append(("%python", sys.executable))
