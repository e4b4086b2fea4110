"""Web routes of the index domain (a thin router over the services)."""

from fastapi import APIRouter

router = APIRouter()
