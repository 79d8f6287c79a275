//! `runsc`: the rvisor command line. Thin: it parses, sets up processes and
//! namespaces, and calls into the sentry and gofer libraries.

mod boot;
mod do_cmd;
mod gofer_cmd;
mod isolate;
mod seccomp;
mod terminal;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "runsc",
    version,
    about = "rvisor: a sandboxed container runtime with a user-space Linux kernel"
)]
struct Cli {
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
    cmd: Command,
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
    /// Internal: the sandbox process (the sentry).
    #[command(hide = true)]
    Boot(boot::BootArgs),
    /// Internal: the file server process (the gofer).
    #[command(hide = true)]
    Gofer(gofer_cmd::GoferArgs),
}

fn main() {
    let cli = Cli::parse();
    let _ = (&cli.root, &cli.log, &cli.log_format, cli.systemd_cgroup);
    let code = match cli.cmd {
        Command::Do(args) => do_cmd::run(args),
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
