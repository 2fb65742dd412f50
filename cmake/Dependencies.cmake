# Every dependency is a Debian package installed by scripts/bootstrap; nothing is fetched.
find_package(Threads REQUIRED)
find_package(Boost 1.74 EXACT REQUIRED COMPONENTS system)
find_package(PkgConfig REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)

find_library(SIMDJSON_LIB simdjson REQUIRED)
find_path(SIMDJSON_INCLUDE simdjson.h REQUIRED)
add_library(simdjson_dep INTERFACE)
target_link_libraries(simdjson_dep INTERFACE ${SIMDJSON_LIB})
target_include_directories(simdjson_dep SYSTEM INTERFACE ${SIMDJSON_INCLUDE})

find_library(PHONENUMBER_LIB phonenumber REQUIRED)
add_library(phonenumber_dep INTERFACE)
target_link_libraries(phonenumber_dep INTERFACE ${PHONENUMBER_LIB})

find_path(RAPIDJSON_INCLUDE rapidjson/writer.h REQUIRED)
add_library(rapidjson_dep INTERFACE)
target_include_directories(rapidjson_dep SYSTEM INTERFACE ${RAPIDJSON_INCLUDE})

# Scale-out backends and the import client's HTTP.
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
find_package(CURL REQUIRED)
