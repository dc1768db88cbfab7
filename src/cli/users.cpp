// outpost user add|passwd|role|remove|list and outpost user token add|list|remove --config
// SERVER.toml: the console's and the REST API's users (roles administrator, operator, read-only)
// and API tokens, written to the operational database (works while no server runs, and on any
// server of a group sharing PostgreSQL). Passwords are read from --password-file (- for stdin)
// or asked for twice at the terminal without echo; they are stored as Argon2id hashes. A new
// token is printed once and stored as its SHA-256.
#include <termios.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <iterator>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/server_admin.hpp"
#include "storage/storage.hpp"
#include "web/secrets.hpp"

namespace outpost::cli {
namespace {

struct Options {
  std::string config;
  std::string name;
  std::string role = "read-only";
  std::string password_file;
  std::string label;
  std::size_t id = 0;
  bool json = false;
};

Error usage(std::string message, std::string fix) {
  return Error{EventId::command_line_invalid, std::move(message), std::move(fix)};
}

Error no_such_user(const std::string& name, std::string fix = "see outpost user list") {
  return Error{EventId::admin_no_change, fmt::format("there is no user named {}", shown(name)),
               std::move(fix)};
}

std::string prompt_hidden(const char* prompt) {
  std::cerr << prompt << std::flush;
  termios old{};
  const bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::cerr << '\n';
  return line;
}

// The new password: the first line of --password-file (- for stdin), or asked for twice.
Result<std::string> read_password(const Options& o) {
  std::string password;
  if (o.password_file == "-") {
    std::getline(std::cin, password);
  } else if (!o.password_file.empty()) {
    std::ifstream in(o.password_file);
    if (!in) {
      return std::unexpected(usage(fmt::format("cannot read {}", o.password_file),
                                   "pass a readable file with the password on its first line"));
    }
    std::getline(in, password);
  } else if (isatty(STDIN_FILENO) != 0) {
    password = prompt_hidden("New password: ");
    if (prompt_hidden("Again: ") != password) {
      return std::unexpected(usage("the two passwords differ", "type the same password twice"));
    }
  } else {
    return std::unexpected(usage("no password given",
                                 "pass --password-file FILE, or --password-file - and the "
                                 "password on stdin"));
  }
  if (auto ok = web::check_password_rules(password); !ok) return std::unexpected(ok.error());
  return password;
}

Result<storage::UserRole> role_of(const std::string& text) {
  const auto role = storage::user_role_from_name(text);
  if (!role) {
    return std::unexpected(
        usage(fmt::format("'{}' is not a role", text), "use administrator, operator or read-only"));
  }
  return *role;
}

int add(const Options& o) {
  if (!web::valid_user_name(o.name)) {
    return report_failure(usage(fmt::format("'{}' is not a user name", shown(o.name)),
                                "use 1 to 64 letters, digits, '.', '_', '-' or '@'"));
  }
  auto role = role_of(o.role);
  if (!role) return report_failure(role.error());
  auto password = read_password(o);
  if (!password) return report_failure(password.error());
  auto hash = web::hash_password(*password);
  if (!hash) return report_failure(hash.error());
  auto db = open_server_database(o.config);
  if (!db) return report_failure(db.error());
  auto added = (*db)->add_user({o.name, *role, *hash, Clock::now(), std::nullopt});
  if (!added) return report_failure(added.error());
  if (!*added) {
    return report_failure(Error{EventId::admin_no_change,
                                fmt::format("there already is a user named {}", o.name),
                                "choose another name, or outpost user passwd to set a password"});
  }
  std::cout << fmt::format("User {} ({}) added; they can log in to the console now.\n", o.name,
                           storage::user_role_name(*role));
  return 0;
}

int passwd(const Options& o) {
  auto password = read_password(o);
  if (!password) return report_failure(password.error());
  auto hash = web::hash_password(*password);
  if (!hash) return report_failure(hash.error());
  auto db = open_server_database(o.config);
  if (!db) return report_failure(db.error());
  auto set = (*db)->set_user_password(o.name, *hash);
  if (!set) return report_failure(set.error());
  if (!*set) {
    return report_failure(no_such_user(o.name));
  }
  auto ended = (*db)->end_sessions_of(o.name);
  if (!ended) return report_failure(ended.error());
  std::cout << fmt::format("The password of {} is changed; {} open session{} ended.\n", o.name,
                           *ended, *ended == 1 ? "" : "s");
  return 0;
}

int set_role(const Options& o) {
  auto role = role_of(o.role);
  if (!role) return report_failure(role.error());
  auto db = open_server_database(o.config);
  if (!db) return report_failure(db.error());
  auto set = (*db)->set_user_role(o.name, *role);
  if (!set) return report_failure(set.error());
  if (!*set) {
    return report_failure(no_such_user(o.name));
  }
  (void)(*db)->end_sessions_of(o.name);  // the new role applies from the next login
  std::cout << fmt::format("{} is now {}.\n", o.name, storage::user_role_name(*role));
  return 0;
}

int remove(const Options& o) {
  auto db = open_server_database(o.config);
  if (!db) return report_failure(db.error());
  auto removed = (*db)->remove_user(o.name);
  if (!removed) return report_failure(removed.error());
  if (!*removed) {
    return report_failure(no_such_user(o.name));
  }
  std::cout << fmt::format("User {} removed; their sessions ended and their tokens are gone.\n",
                           o.name);
  return 0;
}

int list(const Options& o) {
  auto db = open_server_database(o.config);
  if (!db) return report_failure(db.error());
  auto users = (*db)->users();
  if (!users) return report_failure(users.error());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& u : *users) {
    const std::string last = u.last_login ? format_utc(*u.last_login) : "";
    if (o.json) {
      out.push_back({{"name", u.name},
                     {"role", storage::user_role_name(u.role)},
                     {"created", format_utc(u.created)},
                     {"last_login", last}});
    } else {
      std::cout << fmt::format("{:<24} {:<14} last login {}\n", u.name,
                               storage::user_role_name(u.role), or_dash(last));
    }
  }
  if (o.json) print_json(out);
  if (!o.json && users->empty())
    std::cout << "No users yet: add one with outpost user add --name NAME --role administrator.\n";
  return 0;
}

int token_add(const Options& o) {
  auto db = open_server_database(o.config);
  if (!db) return report_failure(db.error());
  auto user = (*db)->user(o.name);
  if (!user) return report_failure(user.error());
  if (!*user) {
    return report_failure(no_such_user(o.name, "add the user first (outpost user add)"));
  }
  const std::string token = web::random_secret();
  auto id = (*db)->add_token({0, o.name, o.label, web::sha256_hex(token), Clock::now(), {}});
  if (!id) return report_failure(id.error());
  if (o.json) {
    print_json({{"id", *id}, {"user", o.name}, {"label", o.label}, {"token", token}});
  } else {
    std::cout << token << '\n';
    std::cerr << fmt::format(
        "Token {} for {} ({}): send it as 'Authorization: Bearer TOKEN'. It is shown once; "
        "remove it with outpost user token remove --id {}.\n",
        *id, o.name, storage::user_role_name((*user)->role), *id);
  }
  return 0;
}

int token_list(const Options& o) {
  auto db = open_server_database(o.config);
  if (!db) return report_failure(db.error());
  auto tokens = (*db)->tokens(o.name);
  if (!tokens) return report_failure(tokens.error());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : *tokens) {
    const std::string used = t.last_used ? format_utc(*t.last_used) : "";
    if (o.json) {
      out.push_back({{"id", t.id},
                     {"user", t.user},
                     {"label", t.label},
                     {"created", format_utc(t.created)},
                     {"last_used", used}});
    } else {
      std::cout << fmt::format("{:>5}  {:<20} {:<24} created {}  last used {}\n", t.id, t.user,
                               or_dash(t.label), format_utc(t.created), or_dash(used));
    }
  }
  if (o.json) print_json(out);
  return 0;
}

int token_remove(const Options& o) {
  auto db = open_server_database(o.config);
  if (!db) return report_failure(db.error());
  auto removed = (*db)->remove_token(static_cast<std::int64_t>(o.id));
  if (!removed) return report_failure(removed.error());
  if (!*removed) {
    return report_failure(Error{EventId::admin_no_change, fmt::format("there is no token {}", o.id),
                                "see outpost user token list"});
  }
  std::cout << fmt::format("Token {} removed.\n", o.id);
  return 0;
}

}  // namespace

void add_users(Command& app, Action& action) {
  auto o = std::make_shared<Options>();
  auto user = app.subcommand("user", "users of the console and the REST API, and API tokens");
  user.require_subcommand(1, 1);
  const auto config = [&o](Command& c) {
    c.option("--config", o->config, "the management server's configuration file").required();
  };
  auto a = user.subcommand("add", "add a user (the password from --password-file or a prompt)");
  config(a);
  a.option("--name", o->name, "the user's name").required();
  a.option("--role", o->role, "administrator, operator or read-only")
      .one_of({"administrator", "operator", "read-only"})
      .show_default();
  a.option("--password-file", o->password_file, "read the password from this file (- : stdin)");
  a.runs(action, [o] { return add(*o); });
  auto p = user.subcommand("passwd", "set a user's password (their open sessions end)");
  config(p);
  p.option("--name", o->name, "the user's name").required();
  p.option("--password-file", o->password_file, "read the password from this file (- : stdin)");
  p.runs(action, [o] { return passwd(*o); });
  auto r = user.subcommand("role", "give a user another role (their open sessions end)");
  config(r);
  r.option("--name", o->name, "the user's name").required();
  r.option("--role", o->role, "administrator, operator or read-only")
      .one_of({"administrator", "operator", "read-only"})
      .required();
  r.runs(action, [o] { return set_role(*o); });
  auto rm = user.subcommand("remove", "remove a user, their sessions and their tokens");
  config(rm);
  rm.option("--name", o->name, "the user's name").required();
  rm.runs(action, [o] { return remove(*o); });
  auto l = user.subcommand("list", "list the users and their roles");
  config(l);
  l.flag("--json", o->json, "print as JSON");
  l.runs(action, [o] { return list(*o); });
  auto token = user.subcommand("token", "API tokens for scripts (Authorization: Bearer)");
  token.require_subcommand(1, 1);
  auto ta = token.subcommand("add", "make a token acting as a user (printed once)");
  config(ta);
  ta.option("--name", o->name, "the user the token acts as").required();
  ta.option("--label", o->label, "what the token is for (shown in the audit log)").required();
  ta.flag("--json", o->json, "print as JSON");
  ta.runs(action, [o] { return token_add(*o); });
  auto tl = token.subcommand("list", "list the tokens (never their values)");
  config(tl);
  tl.option("--name", o->name, "only this user's");
  tl.flag("--json", o->json, "print as JSON");
  tl.runs(action, [o] { return token_list(*o); });
  auto tr = token.subcommand("remove", "remove a token");
  config(tr);
  tr.option("--id", o->id, "the token's id (outpost user token list)").required();
  tr.runs(action, [o] { return token_remove(*o); });
}

}  // namespace outpost::cli
