//! The cmdlet rules: credential setters (`Set-AWSCredential`, `Initialize-AWSDefaultConfiguration`,
//! `New-AWSCredential`), key parameters on any cmdlet (`-AccessKey`, `-SecretKey`,
//! `-SessionToken`, `-Credential`), splats, stored profiles (`-StoreAs` / `-ProfileName`),
//! `aws configure set`, `setx` / `[Environment]::SetEnvironmentVariable`, and credential objects
//! (`New-Object Amazon.Runtime.BasicAWSCredentials(…)`, `[…BasicAWSCredentials]::new(…)`).

use super::{script, unquote, Plan, Planner, Spot};
use crate::syntax::parse;
use crate::syntax::parse::named_children;
use tree_sitter::Node;

/// Cmdlets whose whole purpose is to set or build credentials.
const CREDENTIAL_SETTERS: &[&str] = &[
    "set-awscredential",
    "set-awscredentials",
    "new-awscredential",
    "new-awscredentials",
    "initialize-awsdefaultconfiguration",
    "initialize-awsdefaults",
];

/// Parameters that carry key material.
const KEY_PARAMETERS: &[&str] = &["-accesskey", "-secretkey", "-sessiontoken"];

/// Parameters that carry a credential object.
const CREDENTIAL_PARAMETERS: &[&str] = &["-credential", "-credentials"];

const ROLE_NOTE: &str = "Attach an IAM role to the instance (an instance profile): AWS Tools for PowerShell then find its credentials through the default credential chain.";

const PERSISTENT_NOTE: &str = "The script stored AWS keys as persistent environment variables (setx / SetEnvironmentVariable): hosts that already ran it still have them; remove them there (for example `[Environment]::SetEnvironmentVariable('AWS_ACCESS_KEY_ID', $null, 'Machine')`).";

/// The lowercased name of a command (`& aws.exe` → `aws`).
pub(super) fn command_name(p: &Planner<'_, '_>, command: Node<'_>) -> String {
    let name = command
        .child_by_field_name("command_name")
        .map_or("", |n| p.text(n));
    let name = unquote(name.trim());
    let name = name.rsplit(['\\', '/']).next().unwrap_or(&name);
    name.trim_end_matches(".exe").to_string()
}

/// The lowercased name of a parameter without its dashes' trailing `:`.
fn param_name(p: &Planner<'_, '_>, param: Node<'_>) -> String {
    p.text(param).trim_end_matches(':').to_ascii_lowercase()
}

/// The elements of a command that are not separators or comments.
fn elements_of(elements: Node<'_>) -> Vec<Node<'_>> {
    named_children(elements)
        .into_iter()
        .filter(|n| !matches!(n.kind(), "command_argument_sep" | "comment"))
        .collect()
}

/// `expr` is an element of a command: what the command does with the credential decides.
pub(super) fn argument(
    p: &Planner<'_, '_>,
    spot: &mut Spot,
    elements: Node<'_>,
    expr: Node<'_>,
    depth: usize,
) -> Plan {
    let Some(command) = elements.parent().filter(|c| c.kind() == "command") else {
        return Err("the credential is an argument of something rolecall cannot read".into());
    };
    let name = command_name(p, command);
    if CREDENTIAL_SETTERS.contains(&name.as_str()) {
        return setter(p, spot, command, depth);
    }
    if name == "setx" {
        spot.note(PERSISTENT_NOTE.into());
        return script::remove_statement(p, spot, command, "the persistent environment variable");
    }
    if name == "aws" && is_configure_set_key(p, elements) {
        return aws_configure(p, spot, command, elements);
    }
    if constructs_credentials(p, command) {
        return p.vanish(spot, command, depth + 1);
    }
    if p.text(expr).starts_with('@') {
        remove_range(
            spot,
            command,
            elements,
            expr,
            expr,
            "the splat of credentials",
        );
        return Ok(());
    }
    let items = elements_of(elements);
    let at = items.iter().position(|n| *n == expr);
    let param = at
        .and_then(|i| i.checked_sub(1))
        .map(|i| items[i])
        .filter(|n| n.kind() == "command_parameter");
    let Some(param) = param else {
        return Err(format!(
            "the credential is passed to `{}` on line {} as a positional argument",
            command_name(p, command),
            p.line(expr)
        ));
    };
    let pname = param_name(p, param);
    if KEY_PARAMETERS.contains(&pname.as_str()) || CREDENTIAL_PARAMETERS.contains(&pname.as_str()) {
        remove_range(
            spot,
            command,
            elements,
            param,
            expr,
            "the credential parameter",
        );
        remove_key_parameters(p, spot, command, elements);
        return Ok(());
    }
    Err(format!(
        "the credential is passed to `{}` as `{}` on line {}, which is not an AWS credential parameter",
        command_name(p, command),
        p.text(param),
        p.line(expr)
    ))
}

/// Removes every `-AccessKey`/`-SecretKey`/`-SessionToken` parameter of a command (a key
/// without its secret is useless).
fn remove_key_parameters(
    p: &Planner<'_, '_>,
    spot: &mut Spot,
    command: Node<'_>,
    elements: Node<'_>,
) {
    let items = elements_of(elements);
    for (i, item) in items.iter().enumerate() {
        if item.kind() != "command_parameter"
            || !KEY_PARAMETERS.contains(&param_name(p, *item).as_str())
        {
            continue;
        }
        let last = items
            .get(i + 1)
            .filter(|v| v.kind() != "command_parameter")
            .unwrap_or(item);
        remove_range(spot, command, elements, *item, *last, "the key parameter");
    }
}

/// Deletes elements `first..=last` of a command with the layout (blanks, backtick continuation)
/// between them and the element before.
fn remove_range(
    spot: &mut Spot,
    command: Node<'_>,
    elements: Node<'_>,
    first: Node<'_>,
    last: Node<'_>,
    why: &str,
) {
    let items = elements_of(elements);
    let before = items
        .iter()
        .take_while(|n| **n != first)
        .last()
        .map(|n| n.end_byte())
        .or_else(|| {
            command
                .child_by_field_name("command_name")
                .map(|n| n.end_byte())
        })
        .unwrap_or(first.start_byte());
    spot.edits.delete(before..last.end_byte(), why);
}

/// The value written after `-name` in a command (`-Region eu-west-1`, `-StoreAs:deploy`).
fn value_of<'t>(p: &Planner<'_, '_>, elements: Option<Node<'t>>, name: &str) -> Option<Node<'t>> {
    let items = elements_of(elements?);
    let i = items
        .iter()
        .position(|n| n.kind() == "command_parameter" && param_name(p, *n) == name)?;
    items
        .get(i + 1)
        .copied()
        .filter(|v| v.kind() != "command_parameter")
}

/// A credential setter holds the credential: `Set-AWSCredential …` goes (its stored profile's
/// uses with it); `Initialize-AWSDefaultConfiguration -Region r …` becomes
/// `Set-DefaultAWSRegion -Region r`. A setter whose result is used (`$c = New-AWSCredential …`,
/// `-Credential (New-AWSCredential …)`) is a credential value, followed where it goes.
fn setter(p: &Planner<'_, '_>, spot: &mut Spot, command: Node<'_>, depth: usize) -> Plan {
    if spot.covers(command) {
        return Ok(());
    }
    if used_as_value(command) {
        return p.vanish(spot, command, depth + 1);
    }
    let name = command_name(p, command);
    let elements = command.child_by_field_name("command_elements");
    let stored =
        value_of(p, elements, "-storeas").or_else(|| value_of(p, elements, "-profilename"));
    let initializes = name.starts_with("initialize-");
    let region = value_of(p, elements, "-region").filter(|_| initializes);
    let statement = script::statement_of(command).ok_or_else(|| {
        "the credential setter is not a statement rolecall can remove".to_string()
    })?;
    match region {
        Some(region) => spot.edits.replace(
            statement.byte_range(),
            &format!("Set-DefaultAWSRegion -Region {}", p.text(region)),
            "the default configuration without its keys",
        ),
        None => script::remove_statement(p, spot, command, "the credential setter")?,
    }
    if let Some(profile) = stored {
        stored_profile(p, spot, &unquote(p.text(profile)), depth)?;
    } else if initializes {
        note_stored_profile(spot, "default");
    }
    spot.note(ROLE_NOTE.into());
    Ok(())
}

/// Whether a command's result is used by an enclosing expression rather than standing as a
/// statement.
fn used_as_value(command: Node<'_>) -> bool {
    let mut at = command;
    while let Some(parent) = at.parent() {
        match parent.kind() {
            "statement_list" => return false,
            "assignment_expression"
            | "parenthesized_expression"
            | "sub_expression"
            | "argument_list"
            | "command_elements" => return true,
            _ => at = parent,
        }
    }
    false
}

/// A stored profile that a removed setter created: the note for hosts that ran the script, and
/// the `-ProfileName` uses of it (a parameter goes; a setter that uses it goes whole).
pub(super) fn stored_profile(
    p: &Planner<'_, '_>,
    spot: &mut Spot,
    profile: &str,
    depth: usize,
) -> Plan {
    note_stored_profile(spot, profile);
    for &param in &p.profile_params {
        let elements = param.parent().filter(|e| e.kind() == "command_elements");
        let command = elements
            .and_then(|e| e.parent())
            .filter(|c| c.kind() == "command");
        let (Some(elements), Some(command)) = (elements, command) else {
            continue;
        };
        let Some(value) = value_of(p, Some(elements), "-profilename") else {
            continue;
        };
        if unquote(p.text(value)) != profile || spot.covers(param) {
            continue;
        }
        if CREDENTIAL_SETTERS.contains(&command_name(p, command).as_str()) {
            if depth < super::MAX_DEPTH {
                setter(p, spot, command, depth + 1)?;
            }
        } else {
            remove_range(
                spot,
                command,
                elements,
                param,
                value,
                "the stored profile's use",
            );
        }
    }
    Ok(())
}

fn note_stored_profile(spot: &mut Spot, profile: &str) {
    spot.note(format!(
        "Hosts that already ran this script keep the key in their AWS credential store (profile '{profile}'): run `Remove-AWSCredentialProfile -ProfileName {profile} -Force` there, deactivate and delete the key in IAM, and give the instance an instance profile (IAM role)."
    ));
}

/// A hashtable that kept other settings is splatted at `splat`: into a credential setter, the
/// setter goes; elsewhere the splat stays.
pub(super) fn splat_into_setter(
    p: &Planner<'_, '_>,
    spot: &mut Spot,
    splat: Node<'_>,
    depth: usize,
) -> Plan {
    let command = crate::syntax::parse::ancestor_or_self(splat, &["command"]);
    match command {
        Some(c) if CREDENTIAL_SETTERS.contains(&command_name(p, c).as_str()) => {
            setter(p, spot, c, depth + 1)
        }
        _ => Ok(()),
    }
}

/// `aws configure set aws_access_key_id …`.
fn is_configure_set_key(p: &Planner<'_, '_>, elements: Node<'_>) -> bool {
    let words: Vec<String> = elements_of(elements)
        .into_iter()
        .map(|e| unquote(p.text(e)))
        .collect();
    words.first().is_some_and(|w| w == "configure")
        && words.get(1).is_some_and(|w| w == "set")
        && words.get(2).is_some_and(|w| {
            let key = w.rsplit('.').next().unwrap_or(w);
            matches!(
                key,
                "aws_access_key_id" | "aws_secret_access_key" | "aws_session_token"
            )
        })
}

fn aws_configure(
    p: &Planner<'_, '_>,
    spot: &mut Spot,
    command: Node<'_>,
    elements: Node<'_>,
) -> Plan {
    let words = elements_of(elements);
    let profile = words
        .iter()
        .position(|e| p.text(*e) == "--profile")
        .and_then(|i| words.get(i + 1))
        .map(|e| unquote(p.text(*e)))
        .unwrap_or_else(|| "default".into());
    spot.note(format!(
        "`aws configure set` wrote the key into ~/.aws/credentials (profile '{profile}') on every host that ran this script: delete it there, deactivate the key in IAM, and attach an instance profile (IAM role)."
    ));
    script::remove_statement(p, spot, command, "the `aws configure set` of a key")
}

/// `New-Object Amazon.Runtime.BasicAWSCredentials(…)` / `New-Object -TypeName …AWSCredentials`.
fn constructs_credentials(p: &Planner<'_, '_>, command: Node<'_>) -> bool {
    command_name(p, command) == "new-object"
        && p.text(command)
            .to_ascii_lowercase()
            .contains("awscredentials")
}

/// Whether a statement only builds credentials (`New-AWSCredential …`, `New-Object …Credentials`).
pub(super) fn produces_credentials(p: &Planner<'_, '_>, statement: Node<'_>) -> bool {
    parse::descendants(statement)
        .filter(|n| n.kind() == "command")
        .any(|c| {
            let name = command_name(p, c);
            name.starts_with("new-awscredential") || constructs_credentials(p, c)
        })
}

/// The credential is an argument of a method or constructor call (`list` is its argument list).
pub(super) fn constructor_argument(
    p: &Planner<'_, '_>,
    spot: &mut Spot,
    list: Node<'_>,
    depth: usize,
) -> Plan {
    let args = list.parent().filter(|a| a.kind() == "argument_list");
    let owner = args.and_then(|a| a.parent());
    let (Some(args), Some(owner)) = (args, owner) else {
        return Err("the credential is an argument of something rolecall cannot read".into());
    };
    match owner.kind() {
        "invokation_expression" => {
            let callee = p.src()[owner.start_byte()..args.start_byte()].to_ascii_lowercase();
            if callee.contains("awscredentials") {
                return p.vanish(spot, owner, depth + 1);
            }
            if callee.contains("setenvironmentvariable") {
                spot.note(PERSISTENT_NOTE.into());
                return script::remove_statement(p, spot, owner, "the persistent environment variable");
            }
            Err(format!(
                "the credential is passed to `{}` on line {}, which is not an AWS credential setting",
                p.src()[owner.start_byte()..args.start_byte()].trim(),
                p.line(owner)
            ))
        }
        "command_elements" => match owner.parent() {
            Some(command) if constructs_credentials(p, command) => {
                p.vanish(spot, command, depth + 1)
            }
            _ => Err(format!(
                "the credential is passed to a method on line {} that is not an AWS credential setting",
                p.line(owner)
            )),
        },
        kind => Err(format!(
            "the credential is an argument of a `{kind}` on line {}",
            p.line(owner)
        )),
    }
}
