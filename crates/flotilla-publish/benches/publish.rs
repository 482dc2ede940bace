//! Benchmark driver of flotilla's registry clients against real servers on loopback:
//! `scripts/bench-publish.sh` runs it next to `skopeo copy` and `twine upload` on the same
//! files; the figures are in `docs/benchmarks.md`. Each subcommand prints `key=value` lines.
//!
//! usage:
//!   publish layout STAGING LAYOUT_ROOT NAME TAG DIR...
//!       build an image with one layer per DIR and write it to an OCI layout
//!       (`LAYOUT_ROOT/NAME`, tag TAG), as skopeo's source
//!   publish push STAGING REGISTRY NAME TAG DIR...
//!       build the same image (not timed), then push it to REGISTRY (host:port, plain http)
//!   publish pypi-build NAME VERSION SOURCE OUT
//!       build a wheel and an sdist of the import packages under SOURCE into OUT
//!   publish pypi-upload URL FILE...
//!       upload the files to the index at URL (simple API at URL/simple/)
//!
//! `push` takes `BENCH_CHUNK_MIB` (default: none, a blob in one request) to profile chunked uploads.
//! `push` and `pypi-upload` print `seconds=` and `cpu_ticks=` (wall and CPU time of the push
//! or upload alone; 100 ticks a second), `rss_before_kb=`
//! (resident memory when it starts) and `rss_peak_kb=` (the process's peak).

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark binary reports on its standard streams"
)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use flotilla_publish::http::{HttpClient, HttpPolicy};
use flotilla_publish::oci::{
    BuiltImage, Credentials, ImageName, ImageSpec, ImageTarget, OciLayoutTarget,
    RegistryImageTarget, Tag,
};
use flotilla_publish::python::{PypiUploadTarget, PythonProject, PythonTarget};

fn main() -> ExitCode {
    // `cargo bench` appends `--bench`; `cargo test --benches` runs the binary bare.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.is_empty() {
        println!(
            "publish: nothing to do without a subcommand (see the header of benches/publish.rs)"
        );
        return ExitCode::SUCCESS;
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("publish: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let err = |e: flotilla_publish::PublishError| e.to_string();
    match args {
        [cmd, staging, root, name, tag, dirs @ ..] if cmd == "layout" && !dirs.is_empty() => {
            let image = build(staging, dirs)?;
            let target = OciLayoutTarget::new(root);
            let name = ImageName::new(name).map_err(err)?;
            target
                .push(&name, &image, &[Tag::new(tag).map_err(err)?])
                .map_err(err)?;
            println!("layout={}", target.layout_dir(&name).display());
            println!("digest={}", image.digest());
            Ok(())
        }
        [cmd, staging, registry, name, tag, dirs @ ..] if cmd == "push" && !dirs.is_empty() => {
            let image = build(staging, dirs)?;
            let target = RegistryImageTarget::new(
                registry,
                true,
                Credentials::Anonymous,
                HttpClient::new(HttpPolicy::default()).map_err(err)?,
            )
            .map_err(err)?;
            // A knob for profiling: the chunk size of large blob uploads, in MiB.
            let target = match std::env::var("BENCH_CHUNK_MIB") {
                Ok(mib) => target.with_chunk_size(
                    mib.parse::<u64>()
                        .map_err(|e| format!("BENCH_CHUNK_MIB={mib}: {e}"))?
                        << 20,
                ),
                Err(_) => target,
            };
            let name = ImageName::new(name).map_err(err)?;
            let tags = [Tag::new(tag).map_err(err)?];
            let before = rss_kb("VmRSS");
            let cpu_before = cpu_ticks();
            let start = Instant::now();
            let published = target.push(&name, &image, &tags).map_err(err)?;
            let seconds = start.elapsed().as_secs_f64();
            println!("seconds={seconds:.3}");
            println!("cpu_ticks={}", cpu_ticks().saturating_sub(cpu_before));
            println!("digest={}", published.digest);
            println!("outcome={:?}", published.outcome);
            println!("rss_before_kb={before}");
            println!("rss_peak_kb={}", rss_kb("VmHWM"));
            Ok(())
        }
        [cmd, name, version, source, out] if cmd == "pypi-build" => {
            let project = PythonProject::new(name, version, source).map_err(err)?;
            std::fs::create_dir_all(out).map_err(|e| format!("create {out}: {e}"))?;
            let out = PathBuf::from(out);
            println!(
                "wheel={}",
                project.build_wheel(&out).map_err(err)?.display()
            );
            println!(
                "sdist={}",
                project.build_sdist(&out).map_err(err)?.display()
            );
            Ok(())
        }
        [cmd, url, files @ ..] if cmd == "pypi-upload" && !files.is_empty() => {
            let simple = format!("{}/simple/", url.trim_end_matches('/'));
            let target = PypiUploadTarget::new(
                url,
                &simple,
                true,
                HttpClient::new(HttpPolicy::default()).map_err(err)?,
            )
            .map_err(err)?;
            let files: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
            let before = rss_kb("VmRSS");
            let cpu_before = cpu_ticks();
            let start = Instant::now();
            let published = target.upload(&files).map_err(err)?;
            let seconds = start.elapsed().as_secs_f64();
            println!("seconds={seconds:.3}");
            println!("cpu_ticks={}", cpu_ticks().saturating_sub(cpu_before));
            for p in published {
                println!("uploaded={} {:?}", p.location, p.outcome);
            }
            println!("rss_before_kb={before}");
            println!("rss_peak_kb={}", rss_kb("VmHWM"));
            Ok(())
        }
        _ => Err(format!(
            "unknown or incomplete command {args:?} (see the header of benches/publish.rs)"
        )),
    }
}

fn build(staging: &str, dirs: &[String]) -> Result<BuiltImage, String> {
    let spec = ImageSpec {
        layers: dirs.iter().map(PathBuf::from).collect(),
        ..ImageSpec::default()
    };
    spec.build(std::path::Path::new(staging))
        .map_err(|e| e.to_string())
}

/// A memory figure of this process from `/proc/self/status`, in kB (0 where unavailable).
fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|l| {
                l.strip_prefix(field)?
                    .strip_prefix(':')?
                    .split_whitespace()
                    .next()?
                    .parse()
                    .ok()
            })
        })
        .unwrap_or(0)
}

/// User and system CPU time of this process so far, in clock ticks (1/100 s on Linux), from
/// `/proc/self/stat` (0 where unavailable).
fn cpu_ticks() -> u64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            // The fields after the parenthesised command name start with field 3 (state);
            // utime and stime are fields 14 and 15.
            let rest = stat.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let utime: u64 = fields.get(11)?.parse().ok()?;
            let stime: u64 = fields.get(12)?.parse().ok()?;
            Some(utime + stime)
        })
        .unwrap_or(0)
}
