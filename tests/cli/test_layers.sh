# The layers of docs/architecture.md, checked on the sources: the core never reaches into the
# command line, and each library has its one user.

cli_files() { ls src/cli/*.c src/cli/*.h 2>/dev/null; }
core_files() { ls src/*.c src/*.h include/gpuvplan/*.h; }

t "the CLI layer exists where the architecture says"
CMD="ls src/cli"
n=$(cli_files | wc -l)
if [ "$n" -gt 10 ]; then ok; else bad "only $n files in src/cli"; fi

t "no core file includes a CLI header"
CMD="grep core files for CLI headers"
hits=$(grep -lE '#include "(cli|opt|cli_rules|cli/[a-z_]+)\.h"' $(core_files) 2>/dev/null)
if [ -z "$hits" ]; then ok; else bad "core files include CLI headers: $hits"; fi

t "no core file prints or opens files"
CMD="grep core files for stdio output and file access"
hits=$(grep -lE '\b(printf|fprintf|fputs|puts|fopen|open|fwrite|isatty)\(' src/*.c 2>/dev/null |
    grep -vE 'src/util\.c$')
if [ -z "$hits" ]; then ok; else bad "core files that print or open files: $hits"; fi

t "only yamldoc.c includes libyaml"
CMD="grep for <yaml.h>"
hits=$(grep -l '#include <yaml.h>' $(core_files) $(cli_files) | grep -v '^src/yamldoc\.c$')
if [ -z "$hits" ]; then ok; else bad "other users of libyaml: $hits"; fi

t "no file includes cJSON (json_parse.c reads JSON itself)"
CMD="grep for cJSON.h"
hits=$(grep -l 'cJSON\.h' $(core_files) $(cli_files))
if [ -z "$hits" ]; then ok; else bad "users of cJSON: $hits"; fi

t "no public header names libyaml or cJSON"
CMD="grep include/gpuvplan"
hits=$(grep -lE '(^|[^_[:alnum:]])yaml_|cJSON|<yaml.h>' include/gpuvplan/*.h)
if [ -z "$hits" ]; then ok; else bad "public headers mention the libraries: $hits"; fi
