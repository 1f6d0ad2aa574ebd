// ramp-run: torchrun's shape for C++ programs and Python scripts alike (tools/run/launch.cpp).
//   ramp-run --nproc-per-node N [--nnodes M --node-rank K --master-addr A --master-port P]
//            [-m | --no-python] program-or-script args...
// One implementation behind both entries: the `ramp-run` executable (tools/ramp_run_main.cpp) and
// `python -m ramp.distributed.run` (the Python package calls it through _C), which differ only in
// the interpreter that runs `.py` scripts and `-m` modules.
#pragma once

#include <string>
#include <vector>

namespace ramp::run {

// args[0] is the name for messages and --help; `python` runs `.py` scripts and `-m` modules.
// Returns the exit status: 0 when every rank exited 0, 1 when one failed (named on stderr),
// 128 + signal when ramp-run itself got SIGINT/SIGTERM/SIGHUP/SIGQUIT, 2 on a usage error.
int launch(const std::vector<std::string>& args, const std::string& python);

}  // namespace ramp::run
