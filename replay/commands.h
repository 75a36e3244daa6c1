// commands.h: each ip4ref command adds itself to the CLI11 app; its callback
// stores the command's exit code (exit_codes.h) in `exit_code`.
#pragma once

namespace CLI {
class App;
}

namespace ip4ref::replay {

void add_replay_command(CLI::App& app, int& exit_code);    // cmd_replay.cpp
void add_diff_command(CLI::App& app, int& exit_code);      // cmd_diff.cpp
void add_fragment_command(CLI::App& app, int& exit_code);  // cmd_fragment.cpp
void add_convert_command(CLI::App& app, int& exit_code);   // cmd_convert.cpp
void add_oracle_command(CLI::App& app, int& exit_code);    // cmd_oracle.cpp

}  // namespace ip4ref::replay
