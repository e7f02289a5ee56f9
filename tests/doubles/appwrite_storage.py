"""Storage (buckets, files, chunked uploads) and Messaging (e-mail) of the Appwrite double.

Uploads follow Appwrite's protocol: a multipart ``POST .../files`` with ``fileId`` and a
``file`` part; files over the chunk size arrive as several such requests with
``Content-Range: bytes <start>-<end>/<size>`` (and ``X-Appwrite-Id`` after the first),
possibly concurrently and out of order; each answer reports ``chunksUploaded`` of
``chunksTotal``, and the file exists once every chunk is in.
"""

from __future__ import annotations

import hashlib
import math
import mimetypes
import re
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from .appwrite_rows import ID_RE, ApiError, now

CHUNK = 5 * 1024 * 1024
_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _detect(filename: str) -> str:
    """Appwrite detects the type itself (the SDK sends none); here: by the file name."""
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def storage_rules() -> list[Rule]:
    return [
        Rule("/v1/storage/buckets", methods=["POST"], endpoint="create_bucket"),
        Rule("/v1/storage/buckets/<b>", methods=["GET"], endpoint="get_bucket"),
        Rule("/v1/storage/buckets/<b>/files", methods=["POST"], endpoint="create_file"),
        Rule("/v1/storage/buckets/<b>/files/<f>", methods=["GET"], endpoint="get_file"),
        Rule("/v1/storage/buckets/<b>/files/<f>", methods=["DELETE"], endpoint="delete_file"),
        Rule("/v1/storage/buckets/<b>/files/<f>/download", methods=["GET"], endpoint="download"),
        Rule("/v1/messaging/messages/email", methods=["POST"], endpoint="create_email"),
    ]


class StorageMixin:
    def __init__(self) -> None:
        self.buckets: dict[str, dict[str, Any]] = {}
        self.files: dict[tuple[str, str], dict[str, Any]] = {}
        self.uploads: dict[tuple[str, str], dict[str, Any]] = {}
        self.messages: list[dict[str, Any]] = []

    def bucket(self, b: str) -> dict[str, Any]:
        if b not in self.buckets:
            raise ApiError(
                404,
                "storage_bucket_not_found",
                "Storage bucket with the requested ID could not be found.",
            )
        return self.buckets[b]

    def on_create_bucket(self, p: dict[str, Any]) -> tuple[int, Any]:
        b = p["bucketId"]
        if b in self.buckets:
            raise ApiError(
                409,
                "storage_bucket_already_exists",
                "A storage bucket with the requested ID already exists.",
            )
        stamp = now()
        self.buckets[b] = {
            "$id": b, "$createdAt": stamp, "$updatedAt": stamp,
            "$permissions": p.get("permissions") or [],
            "fileSecurity": bool(p.get("fileSecurity")), "name": p["name"], "description": "",
            "enabled": p.get("enabled", True),
            "maximumFileSize": p.get("maximumFileSize", 30_000_000),
            "allowedFileExtensions": p.get("allowedFileExtensions") or [], "compression": "none",
            "encryption": True, "antivirus": True, "transformations": True,
            "stripMetadata": False, "totalSize": 0,
        }  # fmt: skip
        return 201, self.buckets[b]

    def on_get_bucket(self, p: dict[str, Any], b: str) -> tuple[int, Any]:
        return 200, self.bucket(b)

    def file_body(self, b: str, upload: dict[str, Any]) -> dict[str, Any]:
        return {
            "$id": upload["id"], "bucketId": b, "$createdAt": upload["created"],
            "$updatedAt": upload["created"], "$permissions": [], "name": upload["name"],
            "folder": "", "key": "", "signature": upload.get("signature", ""),
            "mimeType": upload["mime"], "sizeOriginal": upload["size"],
            "sizeActual": upload["size"],
            "chunksTotal": upload["total"], "chunksUploaded": len(upload["chunks"]),
            "encryption": False, "compression": "none",
        }  # fmt: skip

    def on_create_file(self, p: dict[str, Any], b: str) -> tuple[int, Any]:
        bucket = self.bucket(b)
        form, files, headers = p["form"], p["files"], p["headers"]
        file_id = form.get("fileId", "")
        if not ID_RE.match(file_id):
            raise ApiError(400, "general_argument_invalid", "Invalid `fileId` param")
        part = files.get("file")
        if part is None:
            raise ApiError(400, "storage_file_empty", "Empty file passed to the endpoint.")
        content = part.read()
        match = _RANGE.match(headers.get("Content-Range", ""))
        start, size = (int(match.group(1)), int(match.group(3))) if match else (0, len(content))
        if size > bucket["maximumFileSize"]:
            raise ApiError(400, "storage_invalid_file_size", "File size not allowed.")
        key = (b, file_id)
        if key in self.files:
            raise ApiError(
                409,
                "storage_file_already_exists",
                "A storage file with the requested ID already exists.",
            )
        upload = self.uploads.setdefault(key, {
            "id": file_id, "name": part.filename or file_id, "created": now(), "size": size,
            "mime": _detect(part.filename or ""), "chunks": {},
            "total": max(1, math.ceil(size / CHUNK)),
        })  # fmt: skip
        upload["chunks"][start] = content
        if sum(len(c) for c in upload["chunks"].values()) >= size:
            data = b"".join(upload["chunks"][s] for s in sorted(upload["chunks"]))
            upload["data"] = data
            upload["signature"] = hashlib.md5(data, usedforsecurity=False).hexdigest()
            self.files[key] = self.uploads.pop(key)
            return 201, self.file_body(b, upload)
        return 201, self.file_body(b, upload)

    def stored(self, b: str, f: str) -> dict[str, Any]:
        self.bucket(b)
        if (b, f) not in self.files:
            raise ApiError(404, "storage_file_not_found", "The requested file could not be found.")
        return self.files[(b, f)]

    def on_get_file(self, p: dict[str, Any], b: str, f: str) -> tuple[int, Any]:
        return 200, self.file_body(b, self.stored(b, f))

    def on_download(self, p: dict[str, Any], b: str, f: str) -> tuple[int, Any]:
        found = self.stored(b, f)
        return 200, Response(found["data"], 200, content_type=found["mime"])

    def on_delete_file(self, p: dict[str, Any], b: str, f: str) -> tuple[int, Any]:
        self.stored(b, f)
        del self.files[(b, f)]
        return 204, None

    def on_create_email(self, p: dict[str, Any]) -> tuple[int, Any]:
        message_id = p.get("messageId", "")
        if not ID_RE.match(message_id):
            raise ApiError(400, "general_argument_invalid", "Invalid `messageId` param")
        if not p.get("subject") or not p.get("content"):
            raise ApiError(
                400, "general_argument_invalid", "Param `subject` and `content` are required"
            )
        emails = p.get("emails") or []
        if not (emails or p.get("users") or p.get("targets") or p.get("topics")):
            raise ApiError(
                400, "message_missing_target", "Message with the requested ID has no recipients"
            )
        if any(not _EMAIL.match(e) for e in emails):
            raise ApiError(400, "general_argument_invalid", "Invalid `emails` param")
        if any(m["$id"] == message_id for m in self.messages):
            raise ApiError(
                409, "message_already_exists", "Message with the requested ID already exists."
            )
        stamp = now()
        message = {
            "$id": message_id, "$createdAt": stamp, "$updatedAt": stamp, "providerType": "email",
            "topics": p.get("topics") or [], "users": p.get("users") or [],
            "targets": p.get("targets") or [], "scheduledAt": None, "deliveredAt": None,
            "deliveryErrors": [], "deliveredTotal": 0, "status": "processing",
            "data": {"subject": p["subject"], "content": p["content"], "html": bool(p.get("html")),
                     "emails": emails, "replyToEmail": p.get("replyToEmail")},
        }  # fmt: skip
        self.messages.append(message)
        return 201, message
