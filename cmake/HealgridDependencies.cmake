# Finds healgrid's dependencies, all from Debian packages (scripts/install-deps.sh).
# Each ends up as an imported target so the rest of the build names targets only.
find_package(MPI REQUIRED COMPONENTS C CXX)
find_package(PkgConfig REQUIRED)
find_package(Boost REQUIRED COMPONENTS program_options)
find_package(yaml-cpp REQUIRED)

# Parallel HDF5: the openmpi flavour, never the serial one.
pkg_check_modules(HDF5 REQUIRED IMPORTED_TARGET hdf5-openmpi)
# Its high-level library (same package): H5DS, the dimension scales netCDF-4 dimensions are.
find_library(HDF5_HL_LIBRARY NAMES hdf5_hl PATHS ${HDF5_LIBRARY_DIRS} NO_DEFAULT_PATH)
if(NOT HDF5_HL_LIBRARY)
  message(FATAL_ERROR "libhdf5_hl of parallel HDF5 not found in ${HDF5_LIBRARY_DIRS}: install libhdf5-openmpi-dev (scripts/install-deps.sh)")
endif()
add_library(healgrid::hdf5_hl INTERFACE IMPORTED)
target_link_libraries(healgrid::hdf5_hl INTERFACE ${HDF5_HL_LIBRARY} PkgConfig::HDF5)

# healpix_cxx ships a pkg-config file only.
pkg_check_modules(HEALPIX REQUIRED IMPORTED_TARGET healpix_cxx)

# Parallel NetCDF-C (libnetcdf-mpi-dev): its headers live apart from the serial ones,
# and its CMake package points at the serial include dir, so locate both pieces here.
find_path(NETCDF_PAR_INCLUDE_DIR netcdf_par.h
  PATHS /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/netcdf/mpi/include
  NO_DEFAULT_PATH)
find_library(NETCDF_PAR_LIBRARY NAMES netcdf_mpi)
if(NOT NETCDF_PAR_INCLUDE_DIR OR NOT NETCDF_PAR_LIBRARY)
  message(FATAL_ERROR "parallel NetCDF-C not found: install libnetcdf-mpi-dev (scripts/install-deps.sh)")
endif()
add_library(healgrid::netcdf_par INTERFACE IMPORTED)
target_include_directories(healgrid::netcdf_par INTERFACE ${NETCDF_PAR_INCLUDE_DIR})
target_link_libraries(healgrid::netcdf_par INTERFACE ${NETCDF_PAR_LIBRARY} PkgConfig::HDF5 MPI::MPI_C)

# libdeflate: the zlib streams inside HDF5 chunks, decoded on input (read/chunk_reader) and
# encoded for the output (write/chunk_encoder).
pkg_check_modules(LIBDEFLATE REQUIRED IMPORTED_TARGET libdeflate)
pkg_check_modules(MUPARSER REQUIRED IMPORTED_TARGET muparser)
# Debian's muparser evaluates in bulk on OpenMP threads: healgrid sets their number.
find_package(OpenMP REQUIRED COMPONENTS CXX)
# UDUNITS-2: whether two granules' `units` strings name the same unit ("m" and "meters").
pkg_check_modules(UDUNITS REQUIRED IMPORTED_TARGET udunits)

# Catalog stage: HTTP (libcurl4-openssl-dev), JSON (nlohmann-json3-dev), digests (libssl-dev).
find_package(CURL REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(ZLIB REQUIRED)  # Adler-32, a checksum CMR publishes

# `healgrid view`'s HTTP server (libcpp-httplib-dev; its pkg-config flags select the ABI the
# Debian library was built with).
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)

# Render stage: map projections (libproj-dev), PNG output (libpng-dev), antialiased text and
# lines (libcairo2-dev, with fonts-dejavu-core through fontconfig).
pkg_check_modules(PROJ REQUIRED IMPORTED_TARGET proj)
find_package(PNG REQUIRED)
pkg_check_modules(CAIRO REQUIRED IMPORTED_TARGET cairo)

# glibc's SIMD math library (libc6, libc6-dev): the binning's fast cos (grid/vector_cos.hpp),
# whose results are checked against a bound; std::cos where it is missing.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  find_library(HEALGRID_LIBMVEC mvec)
endif()
