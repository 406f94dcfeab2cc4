// How the commands turn failures into exit statuses: 0 success, 1 the work failed, 2 a bad
// value from the user (options, config).
#pragma once

#include <exception>
#include <stdexcept>
#include <string>

namespace healgrid {

// Runs `work`; std::invalid_argument (a bad user value) gives 2, any other exception 1, with
// its message in `error`; 0 when it returns normally.
template <typename Work>
int exit_status_of(Work&& work, std::string& error) {
  try {
    work();
    return 0;
  } catch (const std::invalid_argument& e) {
    error = e.what();
    return 2;
  } catch (const std::exception& e) {
    error = e.what();
    return 1;
  }
}

}  // namespace healgrid
