//! Reading values out of Python build files without running them: enough of Python's lexical
//! rules (strings, comments, brackets) to find `name=…` and `install_requires=[…]` in a
//! `setup()` call.

/// A keyword argument's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// A string literal, unquoted.
    Text(String),
    /// Anything else, as written (trimmed).
    Expression(String),
}

/// `text` without its comments (`#` to the end of the line outside strings).
pub(crate) fn strip_python_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == '\\' {
                    if let Some(next) = chars.next() {
                        out.push(next);
                    }
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '#' => {
                while chars.peek().is_some_and(|&n| n != '\n') {
                    chars.next();
                }
            }
            None => {
                if c == '"' || c == '\'' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    out
}

/// The value of the keyword argument `key` of the `setup(` call (or the first one anywhere
/// when there is no such call).
pub(crate) fn keyword_value(code: &str, key: &str) -> Option<Value> {
    let rest = after_keyword(code, key)?;
    if let Some(text) = leading_string(rest) {
        return Some(Value::Text(text));
    }
    Some(Value::Expression(expression(rest)))
}

/// The string items of the list given to `key`, or the expression given instead of a list.
pub(crate) fn keyword_list(code: &str, key: &str) -> Option<Result<Vec<String>, String>> {
    let rest = after_keyword(code, key)?;
    let Some(list) = rest.trim_start().strip_prefix('[') else {
        return Some(Err(expression(rest)));
    };
    let end = closing(list, '[', ']').unwrap_or(list.len());
    Some(Ok(string_literals(&list[..end])))
}

/// The string literal `text` starts with (after whitespace), unquoted.
pub(crate) fn leading_string(text: &str) -> Option<String> {
    let text = text.trim_start();
    let quote = text.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let body = &text[1..];
    let end = body.find(quote)?;
    Some(body[..end].to_owned())
}

/// Every string literal in `text`, in order (single or double quotes; no escapes needed for
/// requirement strings).
pub(crate) fn string_literals(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(['"', '\'']) {
        let quote = rest[start..].chars().next().unwrap_or('"');
        let body = &rest[start + 1..];
        let Some(end) = body.find(quote) else { break };
        out.push(body[..end].to_owned());
        rest = &body[end + 1..];
    }
    out
}

/// The text just after `key=` (a keyword argument, not `==`), searched from the `setup(` call.
fn after_keyword<'a>(code: &'a str, key: &str) -> Option<&'a str> {
    let from = code.find("setup(").unwrap_or(0);
    let code = &code[from..];
    let mut search = 0;
    while let Some(found) = code[search..].find(key) {
        let at = search + found;
        search = at + key.len();
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let after = code[at + key.len()..].trim_start_matches([' ', '\t']);
        if let Some(value) = after.strip_prefix('=')
            && !value.starts_with('=')
        {
            return Some(value);
        }
    }
    None
}

/// A keyword argument's expression: up to the `,` or `)` that ends it, brackets balanced.
fn expression(text: &str) -> String {
    let mut depth = 0_i32;
    let mut end = text.len();
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' | ',' | '\n' if depth == 0 => {
                end = i;
                break;
            }
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    text[..end].trim().to_owned()
}

/// Where the bracket opened just before `text` closes.
fn closing(text: &str, open: char, close: char) -> Option<usize> {
    let mut depth = 0_i32;
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == open => depth += 1,
            None if c == close && depth == 0 => return Some(i),
            None if c == close => depth -= 1,
            Some(_) | None => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_go_but_hashes_in_strings_stay() {
        assert_eq!(
            strip_python_comments("a = '#x'  # note\n# all\nb = \"c#\"\n"),
            "a = '#x'  \n\nb = \"c#\"\n"
        );
    }

    #[test]
    fn keywords_are_found_whole() {
        let code =
            "author_name='no'\nsetup(\n  name = 'yes', version=os.environ.get('V'),\n  x=a == b)";
        assert_eq!(
            keyword_value(code, "name"),
            Some(Value::Text("yes".to_owned()))
        );
        assert_eq!(
            keyword_value(code, "version"),
            Some(Value::Expression("os.environ.get('V')".to_owned()))
        );
        assert_eq!(
            keyword_list(
                "setup(install_requires=['a', \"b]\"], x=1)",
                "install_requires"
            ),
            Some(Ok(vec!["a".to_owned(), "b]".to_owned()]))
        );
        assert_eq!(keyword_value(code, "missing"), None);
    }
}
