//! serde's and validator's messages in Chinese. Their English names the fault precisely; the
//! Chinese answer says the same in Chinese, keeping only names and values (in backticks).

/// A serde error message (`invalid type: string "x", expected i64`, `missing field `a``, ...)
/// in Chinese.
pub fn serde_message(message: &str) -> String {
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    let first = quoted.first().copied().unwrap_or("");
    if message.starts_with("unknown field") {
        return format!("不允许的字段 `{first}`");
    }
    if message.starts_with("missing field") {
        return format!("缺少必填字段 `{first}`");
    }
    if message.starts_with("duplicate field") {
        return format!("字段 `{first}` 重复");
    }
    if message.starts_with("unknown variant") {
        let choices: Vec<String> = quoted.iter().skip(1).map(|c| format!("`{c}`")).collect();
        return match choices.is_empty() {
            true => format!("`{first}` 不是允许的取值"),
            false => format!(
                "`{first}` 不是允许的取值，应为其中之一：{}",
                choices.join("、")
            ),
        };
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (got, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!(
            "类型错误：应为{}，收到{}",
            type_name(expected),
            value_name(got)
        );
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        let (got, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!(
            "取值无效：应为{}，收到{}",
            type_name(expected),
            value_name(got)
        );
    }
    if message.starts_with("invalid length") {
        return "长度（元素个数）不符合要求".to_owned();
    }
    if message.contains("out of range") {
        return "数值超出允许范围".to_owned();
    }
    if message.contains("premature end") || message.contains("invalid characters") {
        return "日期或时间格式无效，日期应为 YYYY-MM-DD".to_owned();
    }
    "取值无效".to_owned()
}

/// What serde expected (`i64`, `a string`, `struct Household`, `a formatted date`) in Chinese.
fn type_name(expected: &str) -> String {
    let expected = expected.trim();
    let name = match expected {
        e if e.contains("date") => "日期（YYYY-MM-DD）",
        e if e.contains("bool") => "布尔值",
        e if e.contains("string") || e.contains("str") || e == "a character" => "字符串",
        e if [
            "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "usize", "isize",
        ]
        .iter()
        .any(|t| e == *t || e.ends_with(&format!(" {t}")))
            || e.contains("integer") =>
        {
            "整数"
        }
        e if e.contains("f32") || e.contains("f64") || e.contains("number") => "数字",
        e if e.contains("sequence") || e.contains("array") || e.contains("tuple") => "数组",
        e if e.contains("map") || e.starts_with("struct") || e.contains("object") => "对象",
        e if e.contains("variant") || e.starts_with("enum") => "允许的取值之一",
        _ => "另一种取值",
    };
    name.to_owned()
}

/// What serde received (`string "x"`, `integer `5``, `floating point `2.5``, `null`) in Chinese.
fn value_name(got: &str) -> String {
    let got = got.trim();
    let value = got
        .split('`')
        .nth(1)
        .map(|v| format!(" `{v}`"))
        .unwrap_or_default();
    match got {
        g if g.starts_with("string") => {
            format!("字符串 {}", g.trim_start_matches("string ").trim())
        }
        g if g.starts_with("integer") => format!("整数{value}"),
        g if g.starts_with("floating point") => format!("小数{value}"),
        g if g.starts_with("boolean") => format!("布尔值{value}"),
        "null" | "unit value" => "null".to_owned(),
        g if g.starts_with("sequence") => "数组".to_owned(),
        g if g.starts_with("map") => "对象".to_owned(),
        _ => "其他类型的值".to_owned(),
    }
}

/// A validator rule broken, in Chinese: lengths and ranges with their bounds.
pub fn validator_rule(code: &str, min: Option<String>, max: Option<String>) -> String {
    match (code, min, max) {
        ("length", Some(min), Some(max)) => format!("长度应在 {min} 到 {max} 之间"),
        ("length", None, Some(max)) => format!("长度最多为 {max}"),
        ("length", Some(min), None) => format!("长度至少为 {min}"),
        (_, Some(min), Some(max)) => format!("应在 {min} 到 {max} 之间"),
        (_, None, Some(max)) => format!("最大为 {max}"),
        (_, Some(min), None) => format!("最小为 {min}"),
        (code, None, None) => format!("不符合规则 `{code}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_english_words(text: &str) -> bool {
        let outside: String = text.split('`').step_by(2).collect();
        let outside = outside.replace("YYYY-MM-DD", "").replace("null", "");
        outside.chars().any(|c| c.is_ascii_alphabetic())
    }

    #[test]
    fn serde_messages_become_chinese_keeping_names_and_values() {
        let cases = [
            (
                "unknown field `nickname`, expected one of `a`, `b`",
                "不允许的字段 `nickname`",
            ),
            ("missing field `head`", "缺少必填字段 `head`"),
            (
                "unknown variant `x`, expected `a` or `b`",
                "`x` 不是允许的取值，应为其中之一：`a`、`b`",
            ),
            (
                "invalid type: string \"2016\", expected i32",
                "类型错误：应为整数，收到字符串 \"2016\"",
            ),
            (
                "invalid type: floating point `2.5`, expected u8",
                "类型错误：应为整数，收到小数 `2.5`",
            ),
            (
                "invalid type: integer `5`, expected a string",
                "类型错误：应为字符串，收到整数 `5`",
            ),
            (
                "invalid type: null, expected a boolean",
                "类型错误：应为布尔值，收到null",
            ),
            (
                "input contains invalid characters",
                "日期或时间格式无效，日期应为 YYYY-MM-DD",
            ),
            ("something new", "取值无效"),
        ];
        for (english, chinese) in cases {
            assert_eq!(serde_message(english), chinese);
        }
        for (english, _) in cases {
            let said = serde_message(english);
            let without_values: String = said.split('"').step_by(2).collect();
            assert!(!has_english_words(&without_values), "{said}");
        }
    }

    #[test]
    fn validator_rules_become_chinese() {
        assert_eq!(
            validator_rule("length", Some("1".into()), Some("100".into())),
            "长度应在 1 到 100 之间"
        );
        assert_eq!(validator_rule("range", None, Some("5".into())), "最大为 5");
        assert!(!has_english_words(&validator_rule(
            "length",
            None,
            Some("9".into())
        )));
    }
}
