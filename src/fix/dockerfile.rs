//! Dockerfiles, on the tree-sitter Containerfile grammar: `ENV` pairs and `ARG` defaults that
//! hold keys go (the instruction when nothing is left of it), and so do the uses of those
//! variables in `RUN` shells when they only pass the key on; the shell of each `RUN` is parsed
//! with the Bash grammar in place (offsets stay the Dockerfile's) and fixed by
//! [`super::shell`], the instruction going when its last command goes.

use super::shell::{self, Planner, ShellPlan, Spot};
use super::{FileToFix, Outcome};
use crate::syntax::edit::{EditSet, ListShape};
use crate::syntax::{nodes, parse, parse_ranges, Language, Limits, Parsed};
use std::ops::Range;
use tree_sitter::Node;

const IMAGE_NOTE: &str = "Keys baked into ENV/ARG/RUN stay in the layers and history of every image already built from this Dockerfile: delete those images and deactivate the key. At run time the container gets role credentials from the ECS task role or the instance profile (IMDSv2 needs a hop limit of 2 for containers).";

/// Fixes a Dockerfile.
pub(crate) fn rewrite(file: &FileToFix<'_>) -> Outcome {
    let parsed = match parse(Language::Dockerfile, file.text) {
        Ok(p) => p,
        Err(e) => return shell::manual_all(file, &e.to_string()),
    };
    let runs: Vec<Run<'_>> = run_shells(&parsed);
    let mut out = ShellPlan::default();
    let mut planners: Vec<Planner<'_, '_>> = runs
        .iter()
        .map(|r| Planner::new(&r.shell, Some(r.whole.clone())))
        .collect();
    for m in file.matches {
        let key = m.span.clone();
        if out.spots.iter().any(|s| s.covers(&key)) {
            continue;
        }
        let removed = match runs.iter().position(|r| r.command.contains(&key.start)) {
            Some(i) => planners[i].plan_key(&key, &mut out),
            None => {
                let mut spot = Spot::new(key.clone());
                match instruction(&parsed, &runs, &mut planners, &mut spot, &key) {
                    Ok(()) => {
                        let removed = spot.removed().to_vec();
                        out.spots.push(spot.edits);
                        removed
                    }
                    Err(reason) => {
                        out.manual.push((key, reason));
                        Vec::new()
                    }
                }
            }
        };
        for p in planners.iter_mut() {
            p.mark_removed(&removed);
        }
    }
    let mut edits = EditSet::new(file.text);
    let mut notes = out.notes;
    if !out.spots.is_empty() {
        notes.push(IMAGE_NOTE.into());
    }
    for s in out.spots {
        edits.add(s);
    }
    Outcome::Edits {
        edits,
        notes,
        manual: shell::manual_fixes(file.text, out.manual),
    }
}

/// A `RUN` instruction's shell, parsed in place.
struct Run<'s> {
    /// The shell command's bytes.
    command: Range<usize>,
    /// The bytes that remove the instruction.
    whole: Range<usize>,
    shell: Parsed<'s>,
}

fn run_shells<'s>(parsed: &Parsed<'s>) -> Vec<Run<'s>> {
    let mut out = Vec::new();
    for n in crate::syntax::parse::descendants(parsed.root()) {
        if n.kind() != "run_instruction" {
            continue;
        }
        let mut cursor = n.walk();
        let Some(command) = n
            .named_children(&mut cursor)
            .find(|c| c.kind() == "shell_command")
        else {
            continue;
        };
        let Some(whole) = nodes::statement_lines(parsed, n) else {
            continue;
        };
        let range = command.byte_range();
        if let Ok(shell) = parse_ranges(
            Language::Bash,
            parsed.text(),
            std::slice::from_ref(&range),
            &Limits::default(),
        ) {
            out.push(Run {
                command: range,
                whole,
                shell,
            });
        }
    }
    out
}

/// A key in an `ENV`, `ARG` or comment.
fn instruction<'s>(
    parsed: &Parsed<'s>,
    runs: &[Run<'s>],
    planners: &mut [Planner<'_, 's>],
    spot: &mut Spot,
    key: &Range<usize>,
) -> Result<(), String> {
    let leaf = parsed
        .root()
        .descendant_for_byte_range(key.start, key.end)
        .ok_or("the key is outside the Dockerfile's instructions")?;
    if let Some(comment) = up_to(leaf, "comment") {
        let range = nodes::comment_removal(parsed, comment, key.start)?;
        spot.edits.delete(range, "the comment holding the key");
        return Ok(());
    }
    let (instr, name) = if let Some(pair) = up_to(leaf, "env_pair") {
        let instr = pair.parent().ok_or("an ENV pair outside ENV")?;
        let name = pair
            .child_by_field_name("name")
            .map(|n| parsed.text_of(n).to_string());
        let legacy = !parsed.text_of(pair).contains('=');
        let shape = ListShape::words(instr);
        let others = shape.items.len() > 1 && !legacy;
        if others {
            let index = shape
                .index_of(&pair.byte_range())
                .ok_or("an ENV pair rolecall cannot place")?;
            spot.edits
                .remove_item(&shape, index, "the ENV pair that held the key");
        } else {
            remove_instruction(parsed, spot, instr)?;
        }
        (instr, name)
    } else if let Some(instr) = up_to(leaf, "arg_instruction") {
        remove_instruction(parsed, spot, instr)?;
        let name = crate::syntax::parse::descendants(instr)
            .find(|n| n.kind() == "arg_pair")
            .and_then(|p| p.child_by_field_name("name"))
            .map(|n| parsed.text_of(n).to_string());
        (instr, name)
    } else {
        return Err("the key sits in a Dockerfile instruction rolecall does not edit".into());
    };
    let Some(name) = name else { return Ok(()) };
    follow(parsed, runs, planners, spot, instr, &name)
}

/// Removes an instruction with its lines.
fn remove_instruction(parsed: &Parsed<'_>, spot: &mut Spot, instr: Node<'_>) -> Result<(), String> {
    let range = nodes::statement_lines(parsed, instr).ok_or("the instruction shares its line")?;
    spot.edits
        .delete(range, "the instruction that held the key");
    Ok(())
}

/// The uses of `$name` after its `ENV`/`ARG`: in `RUN` shells they must only pass the key on
/// (then they go with it); anywhere else they make the spot manual.
fn follow<'s>(
    parsed: &Parsed<'s>,
    runs: &[Run<'s>],
    planners: &mut [Planner<'_, 's>],
    spot: &mut Spot,
    defined: Node<'_>,
    name: &str,
) -> Result<(), String> {
    let text = parsed.text();
    let mentions = |s: &str| s.contains(&format!("${name}")) || s.contains(&format!("${{{name}"));
    for instr in crate::syntax::parse::descendants(parsed.root()) {
        let is_instruction = instr.kind().ends_with("_instruction")
            && instr.parent().is_some_and(|p| p.kind() == "source_file");
        if !is_instruction || instr == defined || instr.kind() == "run_instruction" {
            continue;
        }
        if mentions(&text[instr.byte_range()]) {
            return Err(format!(
                "`{name}` holds the key and is also used on line {}; it stays",
                parsed.line_of(instr.start_byte())
            ));
        }
    }
    for (run, planner) in runs.iter().zip(planners.iter_mut()) {
        let reads: Vec<Node<'_>> = crate::syntax::parse::descendants(run.shell.root())
            .filter(|n| n.kind() == "variable_name" && run.shell.text_of(*n) == name)
            .filter(|n| {
                n.parent()
                    .is_some_and(|p| matches!(p.kind(), "simple_expansion" | "expansion"))
            })
            .collect();
        if !reads.is_empty() {
            planner.vanish_reads(spot, name, &reads, 0)?;
        }
    }
    Ok(())
}

fn up_to<'t>(node: Node<'t>, kind: &str) -> Option<Node<'t>> {
    let mut at = Some(node);
    while let Some(n) = at {
        if n.kind() == kind {
            return Some(n);
        }
        at = n.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::detect::Detector;
    use crate::fake::FakeKeys;

    #[test]
    fn dockerfile_env_arg_and_run() {
        let text = FakeKeys::new(5).expand("FROM python:3.12\nENV APP=web AWS_ACCESS_KEY_ID={AKIA} \\\n    AWS_SECRET_ACCESS_KEY={SECRET}\nARG AWS_SESSION_TOKEN={TOKEN}\nRUN aws configure set aws_access_key_id {AKIA} && \\\n    aws s3 cp s3://b/model.bin /opt/model.bin\nCMD [\"python\", \"app.py\"]\n");
        let fix = crate::fix::fix_text(&Detector::builtin(), "Dockerfile", &text);
        assert!(fix.manual.is_empty(), "{:?}", fix.manual);
        assert_eq!(
            fix.new.unwrap(),
            "FROM python:3.12\nENV APP=web\nRUN aws s3 cp s3://b/model.bin /opt/model.bin\nCMD [\"python\", \"app.py\"]\n"
        );
    }

    #[test]
    fn env_used_by_run_configure_goes_with_it() {
        let text = FakeKeys::new(6).expand("FROM alpine\nENV AWS_ACCESS_KEY_ID={AKIA}\nRUN apk add aws-cli && aws configure set aws_access_key_id $AWS_ACCESS_KEY_ID\n");
        let fix = crate::fix::fix_text(&Detector::builtin(), "Dockerfile", &text);
        assert!(fix.manual.is_empty(), "{:?}", fix.manual);
        assert_eq!(fix.new.unwrap(), "FROM alpine\nRUN apk add aws-cli\n");
    }
}
