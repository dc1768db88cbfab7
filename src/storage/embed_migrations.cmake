# Writes OUT: a C++ source holding every DIR/NNNN_name.sql as a (version, name, sql) entry, in
# order, defining NAMESPACE::migrations() (declared in HEADER), so the binary carries its schema
# and never looks for files at run time. One script for every backend (CMakeLists.txt:
# outpost_embed_migrations).
file(GLOB files "${DIR}/*.sql")
list(SORT files)
set(entries "")
foreach(file ${files})
  get_filename_component(name ${file} NAME_WE)
  string(SUBSTRING ${name} 0 4 number)
  if(NOT number MATCHES "^[0-9][0-9][0-9][0-9]$")
    message(FATAL_ERROR "${file}: a migration's name starts with its four-digit number")
  endif()
  math(EXPR version "${number}")
  file(READ ${file} sql)
  string(APPEND entries "    Migration{${version}, \"${name}\", R\"outpost_sql(${sql})outpost_sql\"},\n")
endforeach()
file(WRITE ${OUT}.tmp "// Generated from ${DIR}/*.sql; do not edit.\n#include \"${HEADER}\"\n\nnamespace ${NAMESPACE} {\n\nstd::span<const Migration> migrations() {\n  static const Migration all[] = {\n${entries}  };\n  return all;\n}\n\n}  // namespace ${NAMESPACE}\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
