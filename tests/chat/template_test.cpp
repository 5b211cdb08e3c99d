#include "chat/template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace anvil::chat {
namespace {

using ::testing::HasSubstr;
using nlohmann::ordered_json;

std::string render(const std::string& source, const ordered_json& variables = ordered_json::object()) {
  return Template(source, "t").render(variables);
}

// The TemplateError a template raises, parsing or rendering.
TemplateError error_of(const std::string& source, const ordered_json& variables = ordered_json::object()) {
  try {
    render(source, variables);
  } catch (const TemplateError& e) {
    return e;
  }
  ADD_FAILURE() << "no TemplateError from: " << source;
  return TemplateError("none", 0, "none");
}

TEST(Template, PrintsTextAndExpressions) {
  EXPECT_EQ(render("Hello {{ name }}!", {{"name", "you"}}), "Hello you!");
  EXPECT_EQ(render("{{ 1 }} {{ 1.5 }} {{ 1.0 }} {{ none }} {{ true }} {{ False }}"), "1 1.5 1.0 None True False");
  EXPECT_EQ(render("{{ 0.1 + 0.2 }} {{ 1e20 }} {{ 1e-5 }} {{ 10 / 4 }} {{ 8 / 4 }}"),
            "0.30000000000000004 1e+20 1e-05 2.5 2.0");
  EXPECT_EQ(render("{# a comment #}x{{ missing }}y"), "xy");
  EXPECT_EQ(render("{{ [1, 'a', none, {'k': \"it's\"}] }} {{ (1, 2) }} {{ (1,) }}"),
            "[1, 'a', None, {'k': \"it's\"}] (1, 2) (1,)");
}

TEST(Template, StringLiteralsTakePythonEscapes) {
  EXPECT_EQ(render(R"({{ 'a\nb\t\'c\' \u00e9 \x41 \\ \d' }})"), "a\nb\t'c' \xC3\xA9 A \\ \\d");
  EXPECT_EQ(render(R"({{ "x" 'y' }})"), "xy");
}

TEST(Template, Arithmetic) {
  EXPECT_EQ(render("{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ -3 + 1 }} {{ 3 * 'ab' }}"),
            "3 -4 2 1024 0.5 -2 ababab");
  EXPECT_EQ(render("{{ 'a' ~ 1 ~ none ~ 2.5 ~ missing }} {{ [1] + [2] }}"), "a1None2.5 [1, 2]");
  EXPECT_EQ(render("{{ 1 if false }}|{{ 'y' if 1 > 0 else 'n' }}|{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }}"), "|y|True False");
  EXPECT_EQ(render("{{ '%s-%d' % ('a', 3) }} {{ '{}+{name}'.format(1, name='b') }}"), "a-3 1+b");
}

TEST(Template, LogicAndMembership) {
  EXPECT_EQ(render("{{ 'a' in 'cat' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [3] }}"),
            "True True True False");
  EXPECT_EQ(render("{{ 0 or 'x' }} {{ 1 and 'y' }} {{ not '' }} {{ [] or none }}"), "x y True None");
  EXPECT_EQ(render("{{ x is defined }} {{ not x is defined }} {{ x is not defined }}"), "False True True");
}

TEST(Template, AttributesItemsAndSlices) {
  const ordered_json vars = {{"m", {{"role", "user"}, {"content", "héllo"}}}, {"xs", {1, 2, 3, 4}}};
  EXPECT_EQ(render("{{ m.role }} {{ m['content'] }} {{ m.missing }}|{{ m['content'][1:3] }}", vars), "user héllo |él");
  EXPECT_EQ(render("{{ xs[::-1] }} {{ xs[1:] }} {{ xs[-1] }} {{ xs[:-2] }} {{ xs[::2] }} {{ xs[10] }}", vars),
            "[4, 3, 2, 1] [2, 3, 4] 4 [1, 2] [1, 3] ");
  EXPECT_EQ(render("{{ 'abc'[-1] }} {{ 'abcdef'[4:1:-1] }} {{ xs.0 }}", vars), "c edc 1");
  EXPECT_THAT(error_of("{{ m.missing.deeper }}", vars).what(), HasSubstr("'dict object' has no attribute 'missing'"));
}

TEST(Template, StringMethods) {
  EXPECT_EQ(render("{{ ' x '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ ' a'.lstrip() }}|{{ 'a '.rstrip() }}|"),
            "x|a|a|a|");
  EXPECT_EQ(render("{{ 'a b  c'.split() }} {{ 'a,b'.split(',') }} {{ 'a,b,c'.split(',', 1) }}"),
            "['a', 'b', 'c'] ['a', 'b'] ['a', 'b,c']");
  EXPECT_EQ(render("{{ 'ab'.startswith('a') }} {{ 'ab'.endswith(('x', 'b')) }} {{ 'aXa'.replace('a', 'b') }}"),
            "True True bXb");
  EXPECT_EQ(render("{{ 'ab'.upper() }} {{ 'AB'.lower() }} {{ 'hI thEre'.title() }} {{ 'hI'.capitalize() }}"),
            "AB ab Hi There Hi");
  EXPECT_EQ(render("{{ 'banana'.count('a') }} {{ 'banana'.find('n') }} {{ 'banana'.find('z') }}"), "3 2 -1");
  // Python refuses an empty separator; splitting on it once never ended (chat_template_fuzz).
  EXPECT_THAT(error_of("{{ 'a,b'.split('') }}").what(), HasSubstr("split: empty separator"));
}

TEST(Template, DictMethods) {
  const ordered_json vars = {{"d", {{"b", 1}, {"a", 2}}}};
  EXPECT_EQ(render("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", vars), "b=1;a=2;");
  EXPECT_EQ(render("{{ d.keys() | list }} {{ d.values() | list }} {{ d.get('a') }} {{ d.get('z', 9) }}", vars),
            "['b', 'a'] [1, 2] 2 9");
}

TEST(Template, ForLoops) {
  const ordered_json vars = {{"xs", {"a", "b", "c"}}};
  EXPECT_EQ(render("{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}"
                   "{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}",
                   vars),
            "1032TrueFalse3;2121FalseFalse3;3210FalseTrue3;");
  EXPECT_EQ(render("{% for x in xs %}{{ loop.previtem }}<{{ x }}>{{ loop.nextitem }} {% endfor %}", vars),
            "<a>b a<b>c b<c> ");
  EXPECT_EQ(render("{% for x in xs %}{{ loop.cycle('o', 'e') }}{% endfor %}", vars), "oeo");
  EXPECT_EQ(render("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render("{% for x in xs if x != 'b' %}{{ x }}{{ loop.length }}{% endfor %}", vars), "a2c2");
  EXPECT_EQ(render("{% for x in xs %}{% if x == 'b' %}{% continue %}{% endif %}{{ x }}{% endfor %}", vars), "ac");
  EXPECT_EQ(render("{% for x in xs %}{% if x == 'b' %}{% break %}{% endif %}{{ x }}{% endfor %}", vars), "a");
  EXPECT_EQ(render("{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %}"), "37");
}

TEST(Template, LoopBodiesHaveTheirOwnScope) {
  EXPECT_EQ(render("{% set x = 1 %}{% for i in [5] %}{% set x = i %}{% endfor %}{{ x }}"), "1");
  EXPECT_EQ(render("{% set ns = namespace(x=1) %}{% for i in [5] %}{% set ns.x = i %}{% endfor %}{{ ns.x }}"), "5");
}

TEST(Template, IfElifElse) {
  const std::string source = "{% if n == 1 %}one{% elif n == 2 %}two{% else %}many{% endif %}";
  EXPECT_EQ(render(source, {{"n", 1}}), "one");
  EXPECT_EQ(render(source, {{"n", 2}}), "two");
  EXPECT_EQ(render(source, {{"n", 3}}), "many");
}

TEST(Template, SetAndSetBlocks) {
  EXPECT_EQ(render("{% set a, b = 1, 2 %}{{ a }}{{ b }}"), "12");
  EXPECT_EQ(render("{% set x %}inner {{ 1 + 1 }}{% endset %}[{{ x }}]"), "[inner 2]");
  EXPECT_THAT(error_of("{% set s = 'x' %}{% set s.a = 1 %}").what(), HasSubstr("non-namespace"));
}

TEST(Template, CallBlocksPassTheirBodyAsCaller) {
  EXPECT_EQ(render("{% macro box(w) %}[{{ caller() }}:{{ w }}]{% endmacro %}{% call box(2) %}in {{ 1 }}{% endcall %}"),
            "[in 1:2]");
}

TEST(Template, Macros) {
  EXPECT_EQ(render("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}"
                   "{{ greet('a') }} {{ greet('b', '?') }} {{ greet(punct='.', name='c') }}"),
            "Hi a! Hi b? Hi c.");
  EXPECT_EQ(render("{% set x = 5 %}{% macro m() %}{{ x }}{% endmacro %}{% set x = 6 %}{{ m() }}"), "6");
}

TEST(Template, Filters) {
  const ordered_json vars = {{"ms", {{{"role", "user"}, {"n", 2}}, {{"role", "bot"}, {"n", 1}}}}};
  EXPECT_EQ(render("{{ '  x ' | trim }}|{{ 'ab' | upper }}|{{ 'AB' | lower }}|{{ 'hello world-x' | title }}|"
                   "{{ 'hELLO' | capitalize }}"),
            "x|AB|ab|Hello World-X|Hello");
  EXPECT_EQ(render("{{ [1, 2] | length }} {{ 'héllo' | length }} {{ [3, 4] | first }} {{ [3, 4] | last }} "
                   "{{ [1, 2] | join(', ') }} {{ missing | default('d') }} {{ '' | d('e', true) }}"),
            "2 5 3 4 1, 2 d e");
  EXPECT_EQ(render("{{ ms | selectattr('role', 'equalto', 'user') | list | length }} "
                   "{{ ms | rejectattr('role', 'eq', 'user') | map(attribute='n') | list }} "
                   "{{ ms | map(attribute='role') | join(',') }} {{ ms | sort(attribute='n') | map(attribute='role') | list }}",
                   vars),
            "1 [1] user,bot ['bot', 'user']");
  EXPECT_EQ(render("{{ [1, 2, 3, 4] | select('odd') | list }} {{ [1, 2, 3] | reject('even') | list }} "
                   "{{ [3, 1, 2] | sort | list }} {{ [3, 1, 2] | sort(reverse=true) }} {{ [1, 1, 2] | unique | list }}"),
            "[1, 3] [1, 3] [1, 2, 3] [3, 2, 1] [1, 2]");
  EXPECT_EQ(render("{{ [1, 2] | reverse | list }} {{ 'abc' | reverse }} {{ -3 | abs }} {{ 2.567 | round(2) }} "
                   "{{ 2.5 | round }} {{ '42' | int }} {{ '4.5' | float }} {{ 'x' | int }} {{ 3 | string }}"),
            "[2, 1] cba 3 2.57 2.0 42 4.5 0 3");
  EXPECT_EQ(render("{{ 'a\nb\n' | indent(2) }}|{{ 'a b c' | wordcount }}|{{ 'aXa' | replace('a', 'b') }}"),
            "a\n  b\n|3|bXb");
  EXPECT_EQ(render("{{ {'a': 1} | items | list }} {{ 'ab' | list }} {{ 'x' | safe }}"), "[('a', 1)] ['a', 'b'] x");
}

TEST(Template, ToJsonIsPythonsJsonDumps) {
  const ordered_json vars = {{"d", {{"z", {1, 2.5, nullptr, true}}, {"é", "naïve \"q\"\n"}, {"e", ordered_json::object()}}}};
  EXPECT_EQ(render("{{ d | tojson }}", vars), R"({"z": [1, 2.5, null, true], "é": "naïve \"q\"\n", "e": {}})");
  EXPECT_EQ(render("{{ d | tojson(indent=2) }}", vars),
            "{\n  \"z\": [\n    1,\n    2.5,\n    null,\n    true\n  ],\n  \"\xC3\xA9\": \"naïve \\\"q\\\"\\n\",\n  \"e\": {}\n}");
  EXPECT_EQ(render("{{ d.z | tojson(separators=(',', ':')) }} {{ 'é' | tojson(ensure_ascii=true) }}", vars),
            R"([1,2.5,null,true] "\u00e9")");
  EXPECT_EQ(render("{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }}"), R"({"a": 2, "b": 1})");
}

TEST(Template, Tests) {
  EXPECT_EQ(render("{{ none is none }} {{ 'a' is string }} {{ 1 is number }} {{ 1 is integer }} {{ 1.0 is float }} "
                   "{{ true is boolean }} {{ true is true }} {{ 0 is false }} {{ {} is mapping }} {{ [] is iterable }} "
                   "{{ 'a' is sequence }}"),
            "True True True True True True True False True True True");
  EXPECT_EQ(render("{{ 2 is in [1, 2] }} {{ 'a' is eq 'a' }} {{ 'a' is equalto 'b' }} {{ 1 is ne 2 }} {{ 3 is odd }} "
                   "{{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(2) }} {{ x is undefined }}"),
            "True True False True True True True False True");
}

TEST(Template, RangeAndNamespace) {
  EXPECT_EQ(render("{{ range(3) | list }} {{ range(1, 7, 2) | list }} {{ range(3, 0, -1) | list }}"),
            "[0, 1, 2] [1, 3, 5] [3, 2, 1]");
  EXPECT_EQ(render("{% set ns = namespace(found=false, n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}"
                   "{% endfor %}{{ ns.n }} {{ ns.found }}"),
            "3 False");
}

TEST(Template, ListsAreImmutableAsInTheSandbox) {
  // transformers' ImmutableSandboxedEnvironment refuses list.append.
  EXPECT_THAT(error_of("{% set xs = [] %}{{ xs.append(1) }}").what(),
              HasSubstr("access to attribute 'append' of 'list' object is unsafe."));
}

TEST(Template, WhitespaceControl) {
  EXPECT_EQ(render("a  {{- 'b' -}}  c"), "abc");
  EXPECT_EQ(render("a\n  {%- if true -%}\n  b\n  {%- endif -%}\n  c"), "abc");
  EXPECT_EQ(render("a {#- note -#} b"), "ab");
  EXPECT_EQ(render("a\xC2\xA0{{- 'b' -}}\xE3\x80\x80" "c"), "abc");  // Unicode spaces too
}

TEST(Template, TrimBlocksAndLstripBlocks) {
  // A block tag alone on its line leaves no trace: lstrip_blocks takes its
  // indentation, trim_blocks the newline after it.
  EXPECT_EQ(render("<ul>\n  {% for x in [1, 2] %}\n  <li>{{ x }}</li>\n  {% endfor %}\n</ul>"),
            "<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>");
  // A variable tag is not stripped, and text before a block on its line stays.
  EXPECT_EQ(render("  {{ 1 }}\n  x {% if true %}y{% endif %}\n"), "  1\n  x y");
  // `+` turns lstrip_blocks off for one tag.
  EXPECT_EQ(render("  {%+ if true %}y{% endif %}"), "  y");
  EXPECT_EQ(render("line\n"), "line");  // one trailing newline dropped
}

TEST(Template, ParseErrorsNameTheTemplateAndLine) {
  const TemplateError unknown = error_of("a\nb\n{% frobnicate %}");
  EXPECT_EQ(unknown.line(), 3);
  EXPECT_THAT(unknown.what(), HasSubstr("template 't', line 3"));
  EXPECT_THAT(unknown.what(), HasSubstr("frobnicate"));
  EXPECT_EQ(error_of("{% if x %}\nunclosed").line(), 2);
  EXPECT_EQ(error_of("x\n{{ 1 + }}").line(), 2);
  EXPECT_THAT(error_of("{{ x | no_such_filter }}").what(), HasSubstr("No filter named 'no_such_filter'"));
}

TEST(Template, RenderErrorsNameTheLine) {
  const TemplateError e = error_of("one\ntwo\n{{ 'a' + 1 }}");
  EXPECT_EQ(e.line(), 3);
  EXPECT_THAT(e.what(), HasSubstr("can only concatenate str (not \"int\") to str"));
  EXPECT_EQ(error_of("\n{{ missing.attr }}").line(), 2);
}

TEST(Template, RaiseExceptionThrowsItsTextUnchanged) {
  try {
    render("x\n{{ raise_exception('Roles must alternate user/assistant!') }}");
    FAIL() << "no exception";
  } catch (const TemplateRaised& e) {
    EXPECT_STREQ(e.what(), "Roles must alternate user/assistant!");
  }
}

TEST(Template, StrftimeNowFormatsTheLocalTime) {
  const std::string year = render("{{ strftime_now('%Y') }}");
  EXPECT_EQ(year.size(), 4u);
  EXPECT_EQ(year.substr(0, 1), "2");
}

TEST(Template, GenerationBlocksRenderTheirBody) {
  EXPECT_EQ(render("a{% generation %}b{{ 1 }}{% endgeneration %}c"), "ab1c");
}


// lm-evaluation-harness's prompt environment: jinja2's defaults with
// keep_trailing_newline and StrictUndefined.
TEST(StrictDialect, KeepsWhitespaceAndRefusesUndefined) {
  const auto strict = [](const std::string& source, const ordered_json& vars) {
    return Template(source, "prompt", Dialect::kStrict).render(vars);
  };
  EXPECT_EQ(strict("Q: {{ q }}\n", {{"q", "why"}}), "Q: why\n");
  EXPECT_EQ(strict("{% if true %}\n  x{% endif %}", ordered_json::object()), "\n  x");
  EXPECT_EQ(Template("{% if true %}\n  x{% endif %}", "chat").render(ordered_json::object()), "  x");
  EXPECT_THROW(strict("{{ missing }}", ordered_json::object()), TemplateError);
  EXPECT_EQ(strict("{{ s.index('_') }}", {{"s", "ab_c"}}), "2");
  EXPECT_THROW(strict("{{ s.index('z') }}", {{"s", "ab_c"}}), TemplateError);
}

// Found by chat_template_fuzz under ASan: a tag cut short after its sign
// read past the end of the source (the suite under ASan fails on it).
TEST(Template, ATagCutShortAfterItsSignIsAnError) {
  for (const std::string source : {"{{-", "{%-", "{%+", "{{- x -"})
    EXPECT_THAT(error_of(source).what(), HasSubstr("unexpected end of template")) << source;
  EXPECT_THAT(error_of("a{#-").what(), HasSubstr("unterminated comment"));
}

}  // namespace
}  // namespace anvil::chat
