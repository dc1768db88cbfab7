// The command-line parser the subcommand files see: a small facade over CLI11. Only args.cpp
// includes CLI11's header (a header-only library that costs seconds of compile per file), so a
// subcommand file compiles against this header alone. Every call says what it maps to.
//
// Usage errors (an unknown option or subcommand, a missing required option, a value its option
// does not accept) are reported by parse_and_run like every other failure: one line
// "outpost: [event 30019] <what> Fix: run 'outpost <subcommand> --help' for its options." on
// stderr, exit status 1. --help and --version print CLI11's text and exit 0.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace outpost::cli {

// A parsed subcommand leaves the work to do here; main runs it and exits with its result.
using Action = std::function<int()>;

// One option, flag or positional argument (a CLI::Option*). Each call returns *this for chaining.
class Arg {
 public:
  explicit Arg(CLI::Option* option) : option_(option) {}

  Arg& required();                  // Option::required()
  Arg& excludes(const Arg& other);  // Option::excludes(other): not both
  Arg& needs(const Arg& other);     // Option::needs(other): this one only with the other
  Arg& show_default();              // Option::capture_default_str(): help shows the default
  Arg& one_of(std::vector<std::string> values);  // check(CLI::IsMember(values))
  Arg& range(std::size_t min, std::size_t max);  // check(CLI::Range(min, max))
  Arg& delimiter(char separator);                // Option::delimiter(c): "a,b" is two values

 private:
  CLI::Option* option_;
};

// One command or subcommand (a CLI::App*). A copyable handle; the parser owns the command.
class Command {
 public:
  explicit Command(CLI::App* app) : app_(app) {}

  // App::add_subcommand(name, description)
  Command subcommand(const std::string& name, const std::string& description);
  // App::add_option(name, into, description). A name without a leading dash is positional.
  Arg option(const std::string& name, std::string& into, const std::string& description);
  Arg option(const std::string& name, int& into, const std::string& description);
  Arg option(const std::string& name, std::size_t& into, const std::string& description);
  Arg option(const std::string& name, std::vector<std::string>& into,
             const std::string& description);
  // App::add_flag(name, into, description)
  Arg flag(const std::string& name, bool& into, const std::string& description);
  // App::require_subcommand(min, max): how many subcommands must follow this one.
  Command& require_subcommand(std::size_t min, std::size_t max);
  // !App::get_subcommands().empty(): a subcommand of this one was given (valid in a callback).
  [[nodiscard]] bool chose_subcommand() const;
  // App::callback(f): f runs once the whole command line is parsed, when this command was given.
  // It may call missing_option().
  void on_parsed(std::function<void()> f);
  // on_parsed([&action, what] { action = what; }): the usual "this command runs `what`".
  void runs(Action& action, Action what);

 private:
  CLI::App* app_;
};

// From an on_parsed callback: a required option was not given (throws CLI::RequiredError, which
// parse_and_run reports as a usage error, 30019).
[[noreturn]] void missing_option(std::string_view name);

struct Program {
  std::string name;         // "outpost"
  std::string description;  // the first line of --help
  std::string version;      // what --version prints
};

// Builds the root command (one subcommand required, --version), lets `setup` add the subcommands,
// parses the command line and runs the action the chosen subcommand left. Returns the exit
// status: 0 for --help/--version, 1 for a usage error (reported as above), else the action's.
int parse_and_run(int argc, char** argv, const Program& program,
                  const std::function<void(Command& root, Action& action)>& setup);

}  // namespace outpost::cli
