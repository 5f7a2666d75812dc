"""The published benchmark files load and their easy tasks are solved (skipped without data)."""
import pytest

from nesy.errors import CompileError
from nesy.synth.search import Budget
from nesy.synth.sygus import load_sygus, solve_sygus
from nesy.synth.tasks import load_tasks, solve

NOT_BY_EXAMPLE = {"max3.sl"}  # a logical specification, not input-output examples


@pytest.mark.parametrize("name, count", [("sygus_89.json", 89), ("bustle_new_38.json", 38)])
def test_the_task_files_load(shared_data, name, count):
    tasks = load_tasks(shared_data / "strings" / name)
    assert len(tasks) == count and all(t.train for t in tasks)


def test_every_sygus_file_loads_or_says_why_not(shared_data):
    files = sorted((shared_data / "sygus").glob("*/*.sl"))
    assert len(files) == 210
    for path in files:
        if path.name in NOT_BY_EXAMPLE:
            with pytest.raises(CompileError, match="only input-output examples"):
                load_sygus(path)
        else:
            assert load_sygus(path).examples, path


@pytest.mark.parametrize("name", ["bikes.sl", "phone.sl", "reverse-name.sl", "univ_1.sl"])
def test_easy_strings_tasks_are_solved_and_generalise(shared_data, name):
    [task] = [t for t in load_tasks(shared_data / "strings" / "sygus_89.json") if t.name == name]
    result = solve(task, Budget(timeout=30))
    assert result.solved and result.generalizes


@pytest.mark.parametrize("path", ["from_2018/bikes.sl", "from_2018/phone-long.sl",
                                  "euphony/19558979.sl"])
def test_easy_sygus_files_are_solved(shared_data, path):
    assert solve_sygus(load_sygus(shared_data / "sygus" / path), Budget(timeout=30)).solved


@pytest.mark.slow
def test_most_bustle_tasks_are_solved_in_two_processor_seconds_each(shared_data):
    tasks = load_tasks(shared_data / "strings" / "bustle_new_38.json")
    solved = sum(solve(t, Budget(timeout=2, clock="cpu")).solved for t in tasks)
    assert solved >= 15  # the published plain bottom-up search solved 20 in 30 s
