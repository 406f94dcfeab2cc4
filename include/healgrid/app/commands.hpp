// The healgrid subcommands. main() initialises MPI, dispatches on the first argument and
// finalises; each command returns the process exit code (0 success, 1 failure, 2 usage error).
#pragma once

#include <string>
#include <vector>

namespace healgrid {

// `args` excludes the program name and the subcommand name.
int run_command(const std::vector<std::string>& args);
int synth_command(const std::vector<std::string>& args);
int resolve_command(const std::vector<std::string>& args);
int fetch_command(const std::vector<std::string>& args);
int render_command(const std::vector<std::string>& args);
int info_command(const std::vector<std::string>& args);
int view_command(const std::vector<std::string>& args);  // no MPI: called before MPI_Init
// plan|status|submit of a campaign file (app/campaign.hpp); no MPI: called before MPI_Init.
int campaign_command(const std::vector<std::string>& args);

}  // namespace healgrid
