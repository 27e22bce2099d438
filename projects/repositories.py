"""Git repository URLs: validated per provider and normalised, in their https or ssh form.

Accepted forms, for GitHub, GitLab (gitlab.com or self-hosted), Bitbucket and Azure DevOps:

- https: `https://host/path`, with or without `.git` and a trailing slash;
- ssh: `ssh://git@host[:port]/path.git`, or the short form `git@host:path.git`.

An https URL is kept as https and an ssh URL as ssh, because the form decides how
the platform clones. A URL that carries a password or token is rejected: the portal
never stores a credential in a repository URL.
"""

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models

URL_MAX_LENGTH = 500


class RepositoryProvider(models.TextChoices):
    GITHUB = "github", "GitHub"
    GITLAB = "gitlab", "GitLab"
    BITBUCKET = "bitbucket", "Bitbucket"
    AZURE_DEVOPS = "azure_devops", "Azure DevOps"


@dataclass(frozen=True)
class Repository:
    """A validated repository: its provider, normalised URL and the https page to link to."""

    provider: str
    url: str
    web_url: str


HOST_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
HOST_PATTERN = re.compile(rf"^{HOST_LABEL}(\.{HOST_LABEL})+$")
SCP_PATTERN = re.compile(r"^(?P<user>[A-Za-z0-9._-]+)@(?P<host>[A-Za-z0-9.-]+):(?P<path>[^/].*)$")

# GitHub: owner (1-39 letters, digits or hyphens) and repository name.
GITHUB_PATH = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
BITBUCKET_PATH = re.compile(r"^[A-Za-z0-9._-]{1,62}/[A-Za-z0-9._-]{1,62}$")
# GitLab: a group, any subgroups, then the project; `-` alone is a web-page marker, not a group.
GITLAB_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
# Azure DevOps organisation, project and repository names; a project name may hold encoded spaces.
AZURE_SEGMENT = re.compile(r"^(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+$")

KNOWN_HOSTS = {
    "github.com": RepositoryProvider.GITHUB,
    "gitlab.com": RepositoryProvider.GITLAB,
    "bitbucket.org": RepositoryProvider.BITBUCKET,
    "dev.azure.com": RepositoryProvider.AZURE_DEVOPS,
    "ssh.dev.azure.com": RepositoryProvider.AZURE_DEVOPS,
    "vs-ssh.visualstudio.com": RepositoryProvider.AZURE_DEVOPS,
}
FORMS_HELP = "Use an https URL (https://host/owner/repository) or an ssh one (git@host:owner/repository.git)."


def invalid(url: str, reason: str) -> ValidationError:
    return ValidationError(f"Repository URL {_redacted(url)!r} is invalid: {reason}", code="repository_url")


def _redacted(url: str) -> str:
    """Return the URL with any password or token replaced, so that an error message never repeats it."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def parse_repository(url: str, provider: str = "") -> Repository:
    """Validate a repository URL and return it normalised, with its provider.

    `provider` is required only for a self-hosted GitLab, whose host name cannot tell.
    """
    url = (url or "").strip()
    if not url:
        raise invalid(url, "it is empty. " + FORMS_HELP)
    if len(url) > URL_MAX_LENGTH:
        raise invalid(url, f"a repository URL has at most {URL_MAX_LENGTH} characters.")
    if any(character.isspace() for character in url):
        raise invalid(url, "it contains spaces; encode a space in an Azure DevOps project name as %20.")

    scheme, user, host, port, path = _split(url)
    detected = _provider_of(url, host, provider)
    path = path.strip("/").removesuffix(".git")
    if scheme == "https":
        _check_https_user(url, user, detected)
    elif user != "git" and not (detected == RepositoryProvider.AZURE_DEVOPS and host.endswith("visualstudio.com")):
        raise invalid(url, f"ssh URLs connect as the user git, not {user or 'no user'}.")

    if detected == RepositoryProvider.AZURE_DEVOPS:
        return _azure_repository(url, scheme, host, path)
    _check_path(url, detected, path)
    return _repository(detected, scheme, host, port, path)


def _split(url: str) -> tuple[str, str, str, int | None, str]:
    """Return (scheme, user, host, port, path) of an https, ssh or short ssh URL."""
    match = SCP_PATTERN.match(url)
    if match and "://" not in url:
        return "ssh", match["user"], _valid_host(url, match["host"]), None, match["path"]

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "http":
        raise invalid(url, "plain http is not accepted; use https.")
    if scheme not in ("https", "ssh"):
        raise invalid(url, FORMS_HELP)
    if parts.password is not None:
        raise invalid(url, "it contains a password or token; remove it, the portal never stores credentials.")
    if parts.query or parts.fragment:
        raise invalid(url, "remove the query (?...) or fragment (#...); paste the clone URL.")
    try:
        port = parts.port
    except ValueError:
        raise invalid(url, "its port is not a number between 1 and 65535.") from None
    return scheme, parts.username or "", _valid_host(url, parts.hostname or ""), port, parts.path


def _valid_host(url: str, host: str) -> str:
    host = host.lower()
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not HOST_PATTERN.match(host):
            raise invalid(url, f"{host or 'an empty host'} is not a valid host name.") from None
    return host


def _provider_of(url: str, host: str, requested: str) -> str:
    known = KNOWN_HOSTS.get(host)
    if known is None and host.endswith(".visualstudio.com"):
        known = RepositoryProvider.AZURE_DEVOPS
    if requested and requested not in RepositoryProvider.values:
        raise invalid(url, f"unknown provider {requested!r}.")
    if known is not None:
        if requested and requested != known:
            raise invalid(url, f"{host} is {known.label}, not {RepositoryProvider(requested).label}.")
        return known
    if requested == RepositoryProvider.GITLAB or (not requested and "gitlab" in host.split(".")[0]):
        return RepositoryProvider.GITLAB
    if requested:
        raise invalid(url, f"{RepositoryProvider(requested).label} repositories live on a known host, not {host}.")
    raise invalid(
        url,
        f"{host} is not GitHub, GitLab, Bitbucket or Azure DevOps. For a self-hosted GitLab, choose GitLab "
        "as the provider.",
    )


def _check_https_user(url: str, user: str, provider: str) -> None:
    # Bitbucket and Azure DevOps put the user name in the https clone URLs they show; it is dropped.
    if user and provider not in (RepositoryProvider.BITBUCKET, RepositoryProvider.AZURE_DEVOPS):
        raise invalid(url, "remove the user name before the @; the portal never stores credentials.")


def _check_path(url: str, provider: str, path: str) -> None:
    if provider == RepositoryProvider.GITHUB and not GITHUB_PATH.match(path):
        raise invalid(url, "a GitHub repository path is OWNER/REPOSITORY.")
    if provider == RepositoryProvider.BITBUCKET and not BITBUCKET_PATH.match(path):
        raise invalid(url, "a Bitbucket repository path is WORKSPACE/REPOSITORY.")
    if provider == RepositoryProvider.GITLAB:
        segments = path.split("/")
        if len(segments) < 2 or not all(GITLAB_SEGMENT.match(segment) for segment in segments):
            raise invalid(
                url, "a GitLab repository path is GROUP/[SUBGROUP/...]PROJECT; paste the clone URL, not a page URL."
            )


def _repository(provider: str, scheme: str, host: str, port: int | None, path: str) -> Repository:
    web_url = f"https://{host}/{path}"
    if scheme == "https":
        url = f"https://{host}{f':{port}' if port else ''}/{path}"
    elif port:
        url = f"ssh://git@{host}:{port}/{path}.git"
    else:
        url = f"git@{host}:{path}.git"
    return Repository(provider=provider, url=url, web_url=web_url)


def _azure_repository(url: str, scheme: str, host: str, path: str) -> Repository:
    """Normalise the current and the legacy (visualstudio.com) Azure DevOps forms to dev.azure.com."""
    segments = path.split("/")
    if scheme == "https":
        if host.endswith(".visualstudio.com"):
            organisation = host.removesuffix(".visualstudio.com")
            if segments and segments[0].lower() == "defaultcollection":
                segments = segments[1:]
            segments = [organisation, *segments]
        if len(segments) != 4 or segments[2] != "_git":
            raise invalid(url, "an Azure DevOps https path is ORGANISATION/PROJECT/_git/REPOSITORY.")
        organisation, project, _, name = segments
    else:
        if len(segments) != 4 or segments[0] != "v3":
            raise invalid(url, "an Azure DevOps ssh path is v3/ORGANISATION/PROJECT/REPOSITORY.")
        _, organisation, project, name = segments
    for segment in (organisation, project, name):
        if not AZURE_SEGMENT.match(segment):
            raise invalid(url, f"{segment!r} is not a valid Azure DevOps name.")

    web_url = f"https://dev.azure.com/{organisation}/{project}/_git/{name}"
    if scheme == "https":
        return Repository(RepositoryProvider.AZURE_DEVOPS, web_url, web_url)
    return Repository(RepositoryProvider.AZURE_DEVOPS, f"git@ssh.dev.azure.com:v3/{organisation}/{project}/{name}",
                      web_url)


def web_url_of(url: str, provider: str) -> str:
    """Return the https page of a stored repository URL, or "" when it no longer parses."""
    try:
        return parse_repository(url, provider).web_url
    except ValidationError:
        return ""
