// `ramp-run`: torchrun for ramp (tools/run/launch.h). `.py` scripts and `-m` modules run under the
// Python the package was built for (RAMP_PYTHON_EXECUTABLE), or $RAMP_RUN_PYTHON if set.
#include <cstdlib>
#include <string>
#include <vector>

#include "run/launch.h"

int main(int argc, char** argv) {
  const char* python = std::getenv("RAMP_RUN_PYTHON");
  std::vector<std::string> args(argv, argv + argc);
  args[0] = "ramp-run";  // the name in messages, whatever path started it
  return ramp::run::launch(args, python && *python ? python : RAMP_PYTHON_EXECUTABLE);
}
