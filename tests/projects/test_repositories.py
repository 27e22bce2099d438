"""Git repository URLs: validated per provider and normalised in their https or ssh form."""

import pytest
from django.core.exceptions import ValidationError

from projects.repositories import RepositoryProvider, parse_repository

GITHUB, GITLAB = RepositoryProvider.GITHUB, RepositoryProvider.GITLAB
BITBUCKET, AZURE = RepositoryProvider.BITBUCKET, RepositoryProvider.AZURE_DEVOPS


@pytest.mark.parametrize(
    ("url", "provider", "normalised", "web"),
    [
        ("https://github.com/acme/research", GITHUB, "https://github.com/acme/research",
         "https://github.com/acme/research"),
        ("https://GitHub.com/acme/research.git/", GITHUB, "https://github.com/acme/research",
         "https://github.com/acme/research"),
        ("git@github.com:acme/research.git", GITHUB, "git@github.com:acme/research.git",
         "https://github.com/acme/research"),
        ("ssh://git@github.com/acme/research", GITHUB, "git@github.com:acme/research.git",
         "https://github.com/acme/research"),
        ("https://gitlab.com/group/sub/project.git", GITLAB, "https://gitlab.com/group/sub/project",
         "https://gitlab.com/group/sub/project"),
        ("git@gitlab.example.com:ml/vision.git", GITLAB, "git@gitlab.example.com:ml/vision.git",
         "https://gitlab.example.com/ml/vision"),
        ("ssh://git@gitlab.example.com:2222/ml/vision.git", GITLAB, "ssh://git@gitlab.example.com:2222/ml/vision.git",
         "https://gitlab.example.com/ml/vision"),
        ("https://alice@bitbucket.org/acme/research.git", BITBUCKET, "https://bitbucket.org/acme/research",
         "https://bitbucket.org/acme/research"),
        ("git@bitbucket.org:acme/research.git", BITBUCKET, "git@bitbucket.org:acme/research.git",
         "https://bitbucket.org/acme/research"),
        ("https://acme@dev.azure.com/acme/Vision%20Lab/_git/research", AZURE,
         "https://dev.azure.com/acme/Vision%20Lab/_git/research",
         "https://dev.azure.com/acme/Vision%20Lab/_git/research"),
        ("https://acme.visualstudio.com/DefaultCollection/Vision/_git/research", AZURE,
         "https://dev.azure.com/acme/Vision/_git/research", "https://dev.azure.com/acme/Vision/_git/research"),
        ("git@ssh.dev.azure.com:v3/acme/Vision/research", AZURE, "git@ssh.dev.azure.com:v3/acme/Vision/research",
         "https://dev.azure.com/acme/Vision/_git/research"),
        ("acme@vs-ssh.visualstudio.com:v3/acme/Vision/research", AZURE,
         "git@ssh.dev.azure.com:v3/acme/Vision/research", "https://dev.azure.com/acme/Vision/_git/research"),
    ],
)
def test_url_normalised(url, provider, normalised, web):
    repository = parse_repository(url)

    assert repository.provider == provider
    assert repository.url == normalised
    assert repository.web_url == web


def test_self_hosted_gitlab_needs_provider():
    with pytest.raises(ValidationError):
        parse_repository("https://git.example.com/ml/vision")

    repository = parse_repository("https://git.example.com/ml/vision", GITLAB)

    assert repository.provider == GITLAB
    assert repository.url == "https://git.example.com/ml/vision"


@pytest.mark.parametrize(
    ("url", "provider", "reason"),
    [
        ("", "", "empty"),
        ("http://github.com/acme/research", "", "plain http"),
        ("ftp://github.com/acme/research", "", "https URL"),
        ("https://user:token@github.com/acme/research", "", "password or token"),
        ("https://x-access-token@github.com/acme/research", "", "user name"),
        ("https://github.com/acme", "", "OWNER/REPOSITORY"),
        ("https://github.com/acme/research/tree/main", "", "OWNER/REPOSITORY"),
        ("https://gitlab.com/group/project/-/tree/main", "", "GROUP/"),
        ("https://gitlab.com/project", "", "GROUP/"),
        ("https://bitbucket.org/acme", "", "WORKSPACE/REPOSITORY"),
        ("https://dev.azure.com/acme/Vision/research", "", "_git"),
        ("git@ssh.dev.azure.com:acme/Vision/research", "", "v3/"),
        ("deploy@github.com:acme/research.git", "", "user git"),
        ("https://github.com/acme/research?tab=readme", "", "query"),
        ("https://github.com:99999/acme/research", "", "port"),
        ("https://github_com/acme/research", "", "host name"),
        ("https://github.com/acme/my repo", "", "spaces"),
        ("https://github.com/acme/research", BITBUCKET, "is GitHub"),
        ("https://code.example.com/acme/research", GITHUB, "known host"),
        ("https://github.com/acme/research", "subversion", "unknown provider"),
        ("https://github.com/" + "a" * 500, "", "500 characters"),
    ],
)
def test_url_rejected(url, provider, reason):
    with pytest.raises(ValidationError) as caught:
        parse_repository(url, provider)

    assert reason in caught.value.messages[0]
