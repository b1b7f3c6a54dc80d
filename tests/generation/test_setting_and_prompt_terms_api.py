"""The setting attribute and the offline provider's record of the prompt's words, over HTTP."""

from __future__ import annotations

from tests.support.factories import create_project, generate, register, wait_for_generations
from tests.support.jobs import running_service

API = "/api/apps/avatar-creator"
PROMPT = "a confident architect in her forties, grey blazer, glasses, holding a coffee cup"


def test_the_avatar_keeps_its_setting_and_says_which_words_it_drew(tmp_path, database_url):
    with running_service(tmp_path, database_url, workers=1) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        reply = generate(client, user["headers"], project["id"], prompt=PROMPT, setting="  city skyline ", seed=3)
        assert "city skyline background" in reply["generation"]["options"]["fullPrompt"]

        (done,) = wait_for_generations(client, user["headers"], [reply["generation"]["id"]])
        avatar = client.get(f"{API}/avatars/{done['avatarId']}", headers=user["headers"]).json()["avatar"]
        assert avatar["setting"] == "city skyline"
        assert avatar["promptTerms"] == {"used": ["her forties", "grey blazer", "glasses", "city skyline"],
                                         "notDrawn": ["confident architect", "coffee cup"]}

        edited = client.put(f"{API}/avatars/{avatar['id']}", json={"setting": "beach"}, headers=user["headers"])
        assert edited.status_code == 200, edited.text
        assert edited.json()["avatar"]["setting"] == "beach"
        assert edited.json()["avatar"]["promptTerms"] == avatar["promptTerms"]  # what was drawn stays recorded


def test_a_setting_over_100_characters_is_refused_and_changes_nothing(tmp_path, database_url):
    with running_service(tmp_path, database_url) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        refused = generate(client, user["headers"], project["id"], expect=400, setting="x" * 101)
        assert refused["error"]["field"] == "setting"
        assert client.get("/api/credits/balance", headers=user["headers"]).json()["data"]["balance"] == 100
