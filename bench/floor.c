/*
 * The floor of the benchmarks: runs libyaml's event parser over a file and discards the
 * events, which is the least any YAML reader must do. `floor FILE` prints the number of
 * events; exit 0, or 3 when the file is not YAML (with libyaml's message), 4 when it cannot be
 * opened. bench/run.sh reports every row of the issue 15 table as a ratio to this program's
 * CPU time on the same file, measured in the same run.
 */
#include <stdio.h>
#include <yaml.h>

int
main(int argc, char **argv)
{
    yaml_parser_t parser;
    yaml_event_t event;
    unsigned long long events = 0;
    int done = 0, rc = 0;
    FILE *in;

    if (argc != 2) {
        fputs("usage: floor FILE\n", stderr);
        return 2;
    }
    in = fopen(argv[1], "rb");
    if (!in) {
        perror(argv[1]);
        return 4;
    }
    if (!yaml_parser_initialize(&parser)) {
        fclose(in);
        return 4;
    }
    yaml_parser_set_input_file(&parser, in);
    while (!done) {
        if (!yaml_parser_parse(&parser, &event)) {
            fprintf(stderr, "%s: %s\n", argv[1], parser.problem ? parser.problem : "error");
            rc = 3;
            break;
        }
        done = event.type == YAML_STREAM_END_EVENT;
        events++;
        yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    fclose(in);
    if (rc == 0)
        printf("%llu\n", events);
    return rc;
}
