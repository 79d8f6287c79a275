//! `runsc`: the rvisor command line. Thin: it parses, sets up processes and
//! namespaces, and calls into the sentry and gofer libraries.

mod boot;
mod do_cmd;
mod gofer_cmd;
mod isolate;
mod seccomp;
mod spec_cmd;
mod terminal;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "runsc",
    disable_version_flag = true,
    about = "rvisor: a sandboxed container runtime with a user-space Linux kernel"
)]
struct Cli {
    /// Prints the version, the commit it was built from and the OCI
    /// runtime-spec version it implements.
    #[arg(long, short = 'v')]
    version: bool,
    /// Directory for container state (runc-compatible; used by the OCI commands).
    #[arg(long, global = true, default_value = "/run/runsc")]
    root: String,
    /// Log file (runc-compatible).
    #[arg(long, global = true)]
    log: Option<String>,
    /// Log format, text or json (runc-compatible).
    #[arg(long = "log-format", global = true, default_value = "text")]
    log_format: String,
    /// Accepted for compatibility with runc callers.
    #[arg(long = "systemd-cgroup", global = true)]
    systemd_cgroup: bool,
    #[command(subcommand)]
    cmd: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Runs a program in a fresh sandbox whose root is the host's `/`.
    Do(do_cmd::DoArgs),
    /// Prints the syscall table with rvisor's support status.
    Syscalls {
        /// Print docs/compatibility.md instead of a terminal table.
        #[arg(long)]
        markdown: bool,
    },
    /// Writes a default config.json into a bundle directory.
    Spec(spec_cmd::SpecArgs),
    /// Internal: the sandbox process (the sentry).
    #[command(hide = true)]
    Boot(boot::BootArgs),
    /// Internal: the file server process (the gofer).
    #[command(hide = true)]
    Gofer(gofer_cmd::GoferArgs),
}

/// What `runsc --version` prints: runc's `X version V` and `commit: C`
/// lines (the commit when the build knew it), then the spec version.
fn version_text() -> String {
    format!(
        "runsc version {}\ncommit: {}\nspec: {}\n",
        env!("CARGO_PKG_VERSION"),
        option_env!("RVISOR_COMMIT").unwrap_or("unknown"),
        oci_spec::runtime::VERSION
    )
}

fn main() {
    let cli = Cli::parse();
    let _ = (&cli.root, &cli.log, &cli.log_format, cli.systemd_cgroup);
    let Some(cmd) = cli.cmd else {
        if cli.version {
            print!("{}", version_text());
            std::process::exit(0);
        }
        eprintln!("runsc: a command is needed (see runsc --help)");
        std::process::exit(1);
    };
    let code = match cmd {
        Command::Do(args) => do_cmd::run(args),
        Command::Spec(args) => spec_cmd::run(args),
        Command::Syscalls { markdown } => {
            if markdown {
                print!("{}", syscalls::compatibility_markdown());
            } else {
                print!("{}", syscalls::compatibility_text());
            }
            Ok(0)
        }
        Command::Boot(args) => boot::run(args),
        Command::Gofer(args) => gofer_cmd::run(args),
    };
    match code {
        Ok(c) => std::process::exit(c),
        Err(e) => {
            eprintln!("runsc: {e:#}");
            std::process::exit(125);
        }
    }
}
