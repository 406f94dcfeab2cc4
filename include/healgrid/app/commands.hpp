// The healgrid subcommands. main() initialises MPI, dispatches on the first argument and
// finalises; each command returns the process exit code (0 success, 1 failure, 2 usage error).
#pragma once

#include <string>
#include <vector>

namespace healgrid {

// `args` excludes the program name and the subcommand name.
int run_command(const std::vector<std::string>& args);
int synth_command(const std::vector<std::string>& args);

}  // namespace healgrid
