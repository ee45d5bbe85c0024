-- One database per service (DESIGN.md, "Data"): no service reads another's tables.
-- Run once by the postgres image on an empty data volume (/docker-entrypoint-initdb.d/), as
-- POSTGRES_USER, who therefore owns every database. Each service's tables are then created by
-- its own migrations (`ipp migrate <service>`).
--
-- A new service adds its line here, and its IPP_<SERVICE>_DATABASE_URL in docker-compose.yml.
-- On an existing volume this script does not run again: create the new database by hand, e.g.
--   docker compose exec postgres psql -U ipp -d postgres -c 'CREATE DATABASE finance'

CREATE DATABASE enterprise;
CREATE DATABASE finance;
CREATE DATABASE protection;
CREATE DATABASE transfer;
CREATE DATABASE training;
CREATE DATABASE reporting;
