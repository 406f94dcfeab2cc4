// An environment for the functions that take an EnvLookup (util/mpi_startup.hpp): the variables
// given, and no other.
#pragma once

#include <map>
#include <string>

#include "healgrid/util/mpi_startup.hpp"

namespace healgrid {

inline EnvLookup env_of(const std::map<std::string, std::string>& vars) {
  return [vars](const std::string& name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

}  // namespace healgrid
