"""The ToMi reader (evals/tomi/reader.py, grammar/tomi.lark) on hand-written stories in ToMi's
exact layout: bAbI-numbered lines, question TAB answer TAB support, one .trace line per question."""
from __future__ import annotations

import pytest

from evals.tomi.reader import (Distractor, Enter, Exit, Item, Located, Move, Question, TomiDataError,
                               fresh_names, lines, names, read, rename)

STORY = [
    "1 Oliver dislikes the kitchen",
    "2 Carter entered the porch.",
    "3 Abigail entered the porch.",
    "4 The potato is in the green_suitcase.",
    "5 Abigail exited the porch.",
    "6 Abigail entered the TV_room.",
    "7 Carter moved the potato to the green_envelope.",
    "8 Oliver loves the potato.",
]
EVENTS = (
    Distractor("Oliver", "dislikes", "kitchen", 1, period=False),
    Enter("Carter", "porch", 2),
    Enter("Abigail", "porch", 3),
    Located("potato", "green_suitcase", 4),
    Exit("Abigail", "porch", 5),
    Enter("Abigail", "TV_room", 6),
    Move("Carter", "potato", "green_envelope", 7),
    Distractor("Oliver", "loves", "potato", 8, period=True),
)
QUESTIONS = [  # (question line, question, qtype)
    ("Where was the potato at the beginning?\tgreen_suitcase\t1",
     Question("memory", "potato"), "memory"),
    ("Where will Carter look for the potato?\tgreen_envelope\t1",
     Question("first", "potato", ("Carter",)), "first_order_0_no_tom"),
    ("Where does Carter think that Abigail searches for the potato?\tgreen_suitcase\t1",
     Question("second", "potato", ("Carter", "Abigail")), "second_order_0_tom"),
    ("Where is the potato really?\tgreen_envelope\t1",
     Question("reality", "potato"), "reality"),
    ("Where will Abigail look for the potato?\tgreen_suitcase\t1",
     Question("first", "potato", ("Abigail",)), "first_order_1_tom"),
]
EVENT_TYPES = "enter_agent_0,enter_agent_1,agent_1_exits,agent_1_reenters_alt_loc,agent_0_moves_obj"


def write(tmp_path, txt_lines, trace_lines, name="story"):
    txt, trace = tmp_path / f"{name}.txt", tmp_path / f"{name}.trace"
    txt.write_text("".join(line + "\n" for line in txt_lines))
    trace.write_text("".join(line + "\n" for line in trace_lines))
    return txt, trace


def repeated_layout(story=STORY, questions=QUESTIONS, story_type="false_belief"):
    """This release's layout: each question after its own copy of the story."""
    txt, trace = [], []
    for qtext, _, qtype in questions:
        txt += story + [f"{len(story) + 1} {qtext}"]
        trace.append(f"{EVENT_TYPES},{qtype},{story_type}")
    return txt, trace


# ---------------------------------------------------------------- sentences and questions
def test_every_statement_form_reads_to_its_event(tmp_path):
    items = read(*write(tmp_path, *repeated_layout()))
    assert items[0].story == EVENTS
    assert EVENTS[0].text == "Oliver dislikes the kitchen" and EVENTS[-1].text == "Oliver loves the potato."


@pytest.mark.parametrize("attitude", ["likes", "dislikes", "loves", "hates"])
@pytest.mark.parametrize("period", [False, True])
def test_distractors_with_and_without_a_period(tmp_path, attitude, period):
    story = [f"1 Ella {attitude} the green_pepper" + ("." if period else ""), "2 The corn is in the red_box."]
    txt, trace = repeated_layout(story, QUESTIONS[3:4])
    (item,) = read(*write(tmp_path, txt, trace))
    assert item.story == (Distractor("Ella", attitude, "green_pepper", 1, period), Located("corn", "red_box", 2))


def test_the_question_forms_answers_and_labels(tmp_path):
    items = read(*write(tmp_path, *repeated_layout()))
    assert [i.question for i in items] == [q for _, q, _ in QUESTIONS]
    assert [i.kind for i in items] == ["memory", "first", "second", "reality", "first"]
    assert [i.answer for i in items] == ["green_suitcase", "green_envelope", "green_suitcase",
                                         "green_envelope", "green_suitcase"]
    assert [i.qtype for i in items] == [qtype for _, _, qtype in QUESTIONS]
    assert {i.story_type for i in items} == {"false_belief"}
    assert items[0].trace_events == tuple(EVENT_TYPES.split(","))
    assert [i.index for i in items] == list(range(5))
    assert {(i.story, i.story_id, i.qline, i.support) for i in items} == {(EVENTS, 0, 9, (1,))}
    assert all(isinstance(i, Item) for i in items)


def test_question_text_renders_each_form():
    for qtext, question, _ in QUESTIONS:
        assert question.text == qtext.split("\t")[0]


def test_the_classic_layout_questions_inside_one_story(tmp_path):
    txt = ["1 Carter entered the porch.",
           "2 The potato is in the box.",
           "3 Where is the potato really?\tbox\t2",
           "4 Carter moved the potato to the crate.",
           "5 Where is the potato really?\tcrate\t2 4",
           "1 Ella entered the hall.",
           "2 The apple is in the bin.",
           "3 Where was the apple at the beginning?\tbin\t2"]
    trace = ["enter_agent_0,reality,true_belief", "enter_agent_0,agent_0_moves_obj,reality,true_belief",
             "enter_agent_0,memory,true_belief"]
    a, b, c = read(*write(tmp_path, txt, trace))
    assert a.story == (Enter("Carter", "porch", 1), Located("potato", "box", 2))
    assert b.story == a.story + (Move("Carter", "potato", "crate", 4),) and b.support == (2, 4)
    assert c.story == (Enter("Ella", "hall", 1), Located("apple", "bin", 2))
    assert (a.story_id, b.story_id, c.story_id) == (0, 0, 1)
    assert (a.qline, b.qline, c.qline) == (3, 5, 3)


def test_different_stories_get_different_ids(tmp_path):
    first, trace1 = repeated_layout(questions=QUESTIONS[:2])
    other = [line.replace("potato", "lime") for line in STORY]
    second, trace2 = repeated_layout(other, [(q.replace("potato", "lime"), x, t) for q, x, t in QUESTIONS[:2]])
    items = read(*write(tmp_path, first + second, trace1 + trace2))
    assert [i.story_id for i in items] == [0, 0, 1, 1]
    assert items[2].question == Question("memory", "lime")


def test_lines_writes_the_layout_back(tmp_path):
    txt, trace = repeated_layout()
    items = read(*write(tmp_path, txt, trace))
    assert [line for item in items for line in lines(item)] == txt


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("bad", [
    "2 Carter walked to the porch.",
    "2 carter entered the porch.",
    "2 Carter entered the porch",
    "2 The potato is in green_suitcase.",
    "2 Carter moved the potato into the box.",
    "Carter entered the porch.",
    "",
])
def test_an_unreadable_statement_names_file_line_and_text(tmp_path, bad):
    txt, trace = repeated_layout(questions=QUESTIONS[:1])
    txt[1] = bad
    path, trace_path = write(tmp_path, txt, trace)
    with pytest.raises(TomiDataError) as err:
        read(path, trace_path)
    assert str(err.value).startswith(f"{path}:2: cannot read {bad!r}: unexpected input")


@pytest.mark.parametrize("bad", [
    "9 Where was the potato at the beginning?",                      # no answer
    "9 Where was the potato at the beginning? green_suitcase 1",     # spaces, not tabs
    "9 Where will Carter look for the potato\tgreen_envelope\t1",    # no question mark
    "9 Who moved the potato?\tCarter\t7",                             # a form ToMi lacks
])
def test_an_unreadable_question_names_file_line_and_text(tmp_path, bad):
    txt, trace = repeated_layout(questions=QUESTIONS[:1])
    txt[8] = bad
    path, trace_path = write(tmp_path, txt, trace)
    with pytest.raises(TomiDataError) as err:
        read(path, trace_path)
    assert str(err.value).startswith(f"{path}:9: cannot read {bad!r}: unexpected input")


def test_a_gap_in_the_numbering_is_an_error(tmp_path):
    txt, trace = repeated_layout(questions=QUESTIONS[:1])
    txt[3] = "5 The potato is in the green_suitcase."
    path, trace_path = write(tmp_path, txt, trace)
    with pytest.raises(TomiDataError, match=f"{path}:4: line number 5 after 3"):
        read(path, trace_path)


@pytest.mark.parametrize("drop, add", [(1, 0), (0, 1)])
def test_the_question_count_must_equal_the_trace_lines(tmp_path, drop, add):
    txt, trace = repeated_layout()
    trace = trace[:len(trace) - drop] + [trace[0]] * add
    with pytest.raises(TomiDataError, match=f"has 5 questions but .* has {5 - drop + add} lines"):
        read(*write(tmp_path, txt, trace))


def test_a_question_type_that_does_not_fit_the_question_is_an_error(tmp_path):
    txt, trace = repeated_layout(questions=QUESTIONS[:2])
    trace[1] = trace[1].replace("first_order_0_no_tom", "second_order_0_no_tom")
    path, trace_path = write(tmp_path, txt, trace)
    with pytest.raises(TomiDataError, match=f"{path}:18: a first question .* {trace_path}:2 says second_order"):
        read(path, trace_path)


@pytest.mark.parametrize("bad", ["memory", f"{EVENT_TYPES},third_order_0_tom,false_belief", ""])
def test_an_unreadable_trace_line_is_an_error(tmp_path, bad):
    txt, trace = repeated_layout(questions=QUESTIONS[:2])
    trace[1] = bad
    path, trace_path = write(tmp_path, txt, trace)
    with pytest.raises(TomiDataError, match=f"{trace_path}:2: cannot read trace line"):
        read(path, trace_path)


# ---------------------------------------------------------------- names
def items(tmp_path):
    return read(*write(tmp_path, *repeated_layout()))


def test_rename_is_consistent_and_round_trips(tmp_path):
    item = items(tmp_path)[2]
    mapping = {"Carter": "Zed", "Abigail": "Mia", "potato": "yam", "green_suitcase": "sack",
               "green_envelope": "tin", "kitchen": "attic", "TV_room": "den"}
    renamed = rename(item, mapping)
    assert renamed.question == Question("second", "yam", ("Zed", "Mia")) and renamed.answer == "sack"
    assert renamed.story[0] == Distractor("Oliver", "dislikes", "attic", 1)
    assert renamed.story[6] == Move("Zed", "yam", "tin", 7)
    assert renamed.story[-1] == Distractor("Oliver", "loves", "yam", 8, period=True)
    assert names(renamed).isdisjoint(set(mapping) - {"Oliver"})
    assert (renamed.qtype, renamed.index, renamed.story_id) == (item.qtype, item.index, item.story_id)
    assert rename(renamed, {v: k for k, v in mapping.items()}) == item
    assert rename(item, {}) == item


def test_rename_refuses_to_merge_names_or_to_write_unreadable_ones(tmp_path):
    item = items(tmp_path)[0]
    with pytest.raises(ValueError, match="merge names: Carter and Oliver -> Oliver"):
        rename(item, {"Carter": "Oliver"})
    with pytest.raises(ValueError, match="merge"):
        rename(item, {"porch": "x", "kitchen": "x"})
    for bad in ({"Carter": "carter"}, {"potato": "red box"}, {"porch": "the"}, {"Carter": "Where"}):
        with pytest.raises(ValueError, match="not .* grammar reads"):
            rename(item, bad)


def test_fresh_names_are_deterministic_and_collision_free(tmp_path):
    all_items = items(tmp_path)
    item = all_items[2]
    mapping = fresh_names(item, seed=7)
    assert mapping == fresh_names(item, seed=7) and mapping != fresh_names(item, seed=8)
    assert set(mapping) == names(item)
    assert len(set(mapping.values())) == len(mapping)
    assert not {v.lower() for v in mapping.values()} & {n.lower() for n in names(item)}
    assert all(v[0].isupper() == (k in {"Carter", "Abigail", "Oliver"}) for k, v in mapping.items())
    # the same story's questions get the same mapping
    assert all(fresh_names(other, seed=7) == mapping for other in all_items)


def test_a_renamed_story_reads_back(tmp_path):
    renamed = [rename(item, fresh_names(item, seed=1)) for item in items(tmp_path)]
    txt = [line for item in renamed for line in lines(item)]
    trace = [f"{','.join(i.trace_events)},{i.qtype},{i.story_type}" for i in renamed]
    assert read(*write(tmp_path, txt, trace, name="renamed")) == renamed
