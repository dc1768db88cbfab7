// The only file of the CLI that includes CLI11 (see args.hpp).
#include "cli/args.hpp"

#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/common.hpp"

namespace outpost::cli {

Arg& Arg::required() {
  option_->required();
  return *this;
}

Arg& Arg::excludes(const Arg& other) {
  option_->excludes(other.option_);
  return *this;
}

Arg& Arg::needs(const Arg& other) {
  option_->needs(other.option_);
  return *this;
}

Arg& Arg::show_default() {
  option_->capture_default_str();
  return *this;
}

Arg& Arg::one_of(std::vector<std::string> values) {
  option_->check(CLI::IsMember(std::move(values)));
  return *this;
}

Arg& Arg::range(std::size_t min, std::size_t max) {
  option_->check(CLI::Range(min, max));
  return *this;
}

Arg& Arg::delimiter(char separator) {
  option_->delimiter(separator);
  return *this;
}

Command Command::subcommand(const std::string& name, const std::string& description) {
  return Command(app_->add_subcommand(name, description));
}

Arg Command::option(const std::string& name, std::string& into, const std::string& description) {
  return Arg(app_->add_option(name, into, description));
}

Arg Command::option(const std::string& name, int& into, const std::string& description) {
  return Arg(app_->add_option(name, into, description));
}

Arg Command::option(const std::string& name, std::size_t& into, const std::string& description) {
  return Arg(app_->add_option(name, into, description));
}

Arg Command::option(const std::string& name, std::vector<std::string>& into,
                    const std::string& description) {
  return Arg(app_->add_option(name, into, description));
}

Arg Command::flag(const std::string& name, bool& into, const std::string& description) {
  return Arg(app_->add_flag(name, into, description));
}

Command& Command::require_subcommand(std::size_t min, std::size_t max) {
  app_->require_subcommand(min, max);
  return *this;
}

bool Command::chose_subcommand() const {
  return !app_->get_subcommands().empty();
}

void Command::on_parsed(std::function<void()> f) {
  app_->callback(std::move(f));
}

void Command::runs(Action& action, Action what) {
  app_->callback([&action, what = std::move(what)] { action = what; });
}

void missing_option(std::string_view name) {
  throw CLI::RequiredError(std::string(name));
}

namespace {

// The deepest subcommand parsed so far (the root when none was).
const CLI::App& deepest(const CLI::App& root) {
  const CLI::App* current = &root;
  for (;;) {
    const CLI::App* next = nullptr;
    for (const CLI::App* sub : current->get_subcommands()) {
      if (sub->get_parent() == current) next = sub;  // the last one given directly under it
    }
    if (next == nullptr) return *current;
    current = next;
  }
}

// "outpost agent approve": the names from the root down to `command`.
std::string command_path(const CLI::App& command) {
  std::string path = command.get_name();
  for (const CLI::App* up = command.get_parent(); up != nullptr; up = up->get_parent()) {
    path = up->get_name() + ' ' + path;
  }
  return path;
}

// CLI11's message on one line.
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!text.empty() && text.back() == ' ')
    text.pop_back();
  return text;
}

int usage_error(const CLI::App& root, const CLI::ParseError& e) {
  const CLI::App& command = deepest(root);
  std::string message = one_line(e.what());
  // "outpost frobnicate": CLI11 says only that a subcommand is required; name the word it did not
  // know instead.
  const auto left = command.remaining();
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && command.get_subcommands().empty() &&
      command.get_require_subcommand_min() > 0 && !left.empty() && !left.front().starts_with('-')) {
    message = "'" + left.front() + "' is not a subcommand of '" + command_path(command) + "'";
  }
  return report_failure(Error{EventId::command_line_invalid, message,
                              "run '" + command_path(command) + " --help' for its options"});
}

}  // namespace

int parse_and_run(int argc, char** argv, const Program& program,
                  const std::function<void(Command& root, Action& action)>& setup) {
  CLI::App app{program.description, program.name};
  app.require_subcommand(1);
  app.set_version_flag("--version", program.version);
  Action action;
  Command root(&app);
  setup(root, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --help-all, --version: CLI11 prints them
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(app, e);
  }
  try {
    return action ? action() : 2;
  } catch (const std::exception& e) {
    std::cerr << "outpost: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace outpost::cli
