//! The `<policy>` element of the key-attestation XML (reference 6.7).

use super::{Policy, Rule};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::fmt::Write;

impl Policy {
    /// The `<policy>` fragment of the attestation XML, indented for its place as a child of
    /// `<private_key>` in `hsm::attestation` (two spaces per level), ending with a newline.
    ///
    /// The layout follows the TSB 2.1 attestation printed in the documentation's SLIP-10 trace
    /// (`tsb/Tutorials/Blockchain/slip10.md`): `key_status/blocked` first, then `rule_use`,
    /// `rule_block`, `rule_unblock`, `rule_modify`, each holding `<token name="..">` with
    /// `timelock` and `timeout` in seconds and `<group name="..">` with `quorum` and
    /// `<approval type=".." name="..">base64 value</approval>`. Choices where that sample is
    /// silent: a rule that is `None` is left out (the sample has all four, and absent values
    /// such as `derivation_value` are left out elsewhere in the document); a never-fulfillable
    /// rule (`tokens: null`) is an empty element (`<rule_modify/>`); a missing name leaves the
    /// `name` attribute out; an onboarded approver (no value) is an empty `<approval .../>`; a
    /// certificate approver's value is the certificate, as given in the policy.
    pub fn attestation_xml(&self) -> String {
        let mut xml = String::from("  <policy>\n    <key_status>\n");
        let _ = writeln!(
            xml,
            "      <blocked>{}</blocked>\n    </key_status>",
            self.key_status.blocked
        );
        let names = ["rule_use", "rule_block", "rule_unblock", "rule_modify"];
        for (name, rule) in names.into_iter().zip(self.rules()) {
            if let Some(rule) = rule {
                rule_xml(&mut xml, name, rule);
            }
        }
        xml.push_str("  </policy>\n");
        xml
    }
}

fn rule_xml(xml: &mut String, element: &str, rule: &Rule) {
    let Some(tokens) = &rule.tokens else {
        let _ = writeln!(xml, "    <{element}/>");
        return;
    };
    let _ = writeln!(xml, "    <{element}>");
    for token in tokens {
        let _ = writeln!(
            xml,
            "      <token{}>",
            name_attribute(token.name.as_deref())
        );
        let _ = writeln!(xml, "        <timelock>{}</timelock>", token.timelock);
        let _ = writeln!(xml, "        <timeout>{}</timeout>", token.timeout);
        for group in &token.groups {
            let _ = writeln!(
                xml,
                "        <group{}>",
                name_attribute(group.name.as_deref())
            );
            let _ = writeln!(xml, "          <quorum>{}</quorum>", group.quorum);
            for approval in &group.approvals {
                let attributes = format!(
                    " type=\"{}\"{}",
                    approval.kind.wire_name(),
                    name_attribute(approval.name.as_deref())
                );
                let _ = match &approval.value {
                    Some(value) => writeln!(
                        xml,
                        "          <approval{attributes}>{}</approval>",
                        STANDARD.encode(value)
                    ),
                    None => writeln!(xml, "          <approval{attributes}/>"),
                };
            }
            xml.push_str("        </group>\n");
        }
        xml.push_str("      </token>\n");
    }
    let _ = writeln!(xml, "    </{element}>");
}

/// ` name="..."` (escaped), or nothing.
fn name_attribute(name: Option<&str>) -> String {
    name.map(|name| format!(" name=\"{}\"", escape(name)))
        .unwrap_or_default()
}

/// Escapes text for an XML element body or attribute (the attestation XML uses it too).
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}
