//! A reader that goes away (`tessera … | head`) ends the output normally: exit status 0,
//! nothing on stderr.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use crate::common::*;

fn binary() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin!("tessera"))
}

#[test]
fn a_closed_stdout_is_a_normal_end_for_a_command() {
    let dir = Dir::new();
    let key = dir.file(
        "k.json",
        ok(tessera().args(["jwk", "generate", "--alg", "HS256"])),
    );
    // A detached JWS whose payload (900 KiB, more than a pipe holds) `jws verify` prints.
    let payload = dir.file("payload", vec![b'x'; 900 * 1024]);
    let token = ok(tessera()
        .args(["jws", "sign", "--key", &key, "--detached"])
        .pipe_stdin(&payload)
        .unwrap());
    let mut child = binary()
        .args([
            "jws",
            "verify",
            "--key",
            &key,
            "--alg",
            "HS256",
            "--payload",
            &payload,
            &token,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read the start (the command is now writing and blocked on a full pipe), then hang up.
    let mut stdout = child.stdout.take().unwrap();
    let mut start = [0u8; 16];
    stdout.read_exact(&mut start).unwrap();
    assert_eq!(&start, b"xxxxxxxxxxxxxxxx");
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn tessera_demo_piped_into_head_exits_0() {
    let mut child = binary()
        .arg("demo")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with("tessera demo"), "{first}");
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "");
}
