-- polarbridge postgres exporter, schema version 1. Runs with search_path
-- set to the configured schema. Conventions (README.md): a table per
-- record kind keyed by record_key; child tables reference records and go
-- with it (ON DELETE CASCADE), so replacing a record is one DELETE and the
-- inserts. Column names are the record model's field names; a Time field
-- x is x (timestamptz) plus x_offset_min (the device's UTC offset), with
-- start and end named start_time and end_time. 0 and '' mean "not
-- reported", as in the record model.

CREATE TABLE users (
    user_id text PRIMARY KEY
);

CREATE TABLE records (
    key     text PRIMARY KEY,
    kind    text NOT NULL,
    version text NOT NULL,
    user_id text REFERENCES users,
    source  text NOT NULL
);
CREATE INDEX records_kind_user ON records (kind, user_id);

-- Every series of every kind: one row per series, its samples as arrays.
-- Sample i is at start_time + offset_ms[i] milliseconds.
CREATE TABLE series (
    record_key  text NOT NULL REFERENCES records ON DELETE CASCADE,
    field       text NOT NULL,   -- the record's field: samples, heart_rate, hrv, ...
    n           integer NOT NULL, -- position within the field
    sample_type text NOT NULL,   -- heart_rate, speed, cadence, ...
    start_time  timestamptz,
    offset_ms   bigint[] NOT NULL,
    value       double precision[] NOT NULL,
    PRIMARY KEY (record_key, field, n)
);

CREATE TABLE exercises (
    record_key text PRIMARY KEY REFERENCES records ON DELETE CASCADE,
    user_id text,
    id text,
    start_time timestamptz, start_offset_min integer,
    duration_seconds double precision,
    distance_meters double precision,
    calories integer,
    heart_rate_avg integer,
    heart_rate_max integer,
    training_load double precision,
    sport text,
    detailed_sport text,
    fit_sport text,
    fit_sub_sport text,
    fit_sport_id bigint,
    fit_sub_sport_id bigint,
    device text,
    device_id text,
    has_route boolean,
    running_index integer,
    fat_percentage integer,
    carbohydrate_percentage integer,
    protein_percentage integer
);
CREATE INDEX exercises_user_start ON exercises (user_id, start_time);

CREATE TABLE exercise_heart_rate_zones (
    record_key text NOT NULL REFERENCES records ON DELETE CASCADE,
    n integer NOT NULL,
    index integer, lower_bpm integer, upper_bpm integer, seconds double precision,
    PRIMARY KEY (record_key, n)
);

CREATE TABLE exercise_laps (
    record_key text NOT NULL REFERENCES records ON DELETE CASCADE,
    n integer NOT NULL,
    start_time timestamptz, start_offset_min integer,
    duration_seconds double precision, distance_meters double precision,
    heart_rate_avg integer, heart_rate_max integer,
    PRIMARY KEY (record_key, n)
);

-- data only with store_files: true.
CREATE TABLE exercise_files (
    record_key text NOT NULL REFERENCES records ON DELETE CASCADE,
    n integer NOT NULL,
    format text, object text, size bigint, sha256 text, data bytea,
    PRIMARY KEY (record_key, n)
);

CREATE TABLE sleeps (
    record_key text PRIMARY KEY REFERENCES records ON DELETE CASCADE,
    user_id text,
    date date,
    start_time timestamptz, start_offset_min integer,
    end_time timestamptz, end_offset_min integer,
    device_id text,
    light_sleep_seconds integer,
    deep_sleep_seconds integer,
    rem_sleep_seconds integer,
    unrecognized_sleep_seconds integer,
    total_interruption_seconds integer,
    short_interruption_seconds integer,
    long_interruption_seconds integer,
    sleep_score integer,
    sleep_charge integer,
    sleep_goal_seconds integer,
    sleep_rating integer,
    sleep_cycles integer,
    continuity double precision,
    continuity_class integer,
    group_duration_score double precision,
    group_solidity_score double precision,
    group_regeneration_score double precision
);
CREATE INDEX sleeps_user_date ON sleeps (user_id, date);

-- Each row is a stage change, valid until the next row's time.
CREATE TABLE sleep_hypnogram (
    record_key text NOT NULL REFERENCES records ON DELETE CASCADE,
    n integer NOT NULL,
    time timestamptz, time_offset_min integer,
    stage integer,
    PRIMARY KEY (record_key, n)
);

CREATE TABLE nightly_recharges (
    record_key text PRIMARY KEY REFERENCES records ON DELETE CASCADE,
    user_id text,
    date date,
    heart_rate_avg integer,
    beat_to_beat_avg_ms integer,
    hrv_avg_ms integer,
    breathing_rate_avg double precision,
    nightly_recharge_status integer,
    ans_charge double precision,
    ans_charge_status integer
);
CREATE INDEX nightly_recharges_user_date ON nightly_recharges (user_id, date);

CREATE TABLE team_sessions (
    record_key text PRIMARY KEY REFERENCES records ON DELETE CASCADE,
    user_id text,
    id text, team_id text, team_name text, name text, type text, note text,
    record_start timestamptz, record_start_offset_min integer,
    record_end timestamptz, record_end_offset_min integer,
    start_time timestamptz, start_offset_min integer,
    end_time timestamptz, end_offset_min integer,
    latitude double precision, longitude double precision,
    sport text, arena text
);

CREATE TABLE team_session_participants (
    record_key text NOT NULL REFERENCES records ON DELETE CASCADE,
    n integer NOT NULL,
    player_id text, player_number integer, role text, player_session_id text, player_name text,
    PRIMARY KEY (record_key, n)
);

CREATE TABLE team_session_markers (
    record_key text NOT NULL REFERENCES records ON DELETE CASCADE,
    n integer NOT NULL,
    start_time timestamptz, start_offset_min integer,
    end_time timestamptz, end_offset_min integer,
    type text, name text, note text,
    PRIMARY KEY (record_key, n)
);

CREATE TABLE player_sessions (
    record_key text PRIMARY KEY REFERENCES records ON DELETE CASCADE,
    user_id text,
    id text, team_session_id text, team_id text, team_name text,
    player_id text, player_name text, player_number integer, role text,
    type text, sport text, name text, feeling text, note text,
    start_time timestamptz, start_offset_min integer,
    duration_seconds double precision,
    distance_meters double precision,
    calories double precision,
    heart_rate_avg integer, heart_rate_max integer, heart_rate_min integer,
    heart_rate_avg_percent integer, heart_rate_max_percent integer, heart_rate_min_percent integer,
    sprint_count integer,
    speed_avg_kmh double precision, speed_max_kmh double precision,
    cadence_avg double precision, cadence_max double precision,
    training_load double precision, cardio_load double precision, muscle_load double precision,
    recovery_time_seconds double precision,
    running_index integer,
    ascent_meters double precision, descent_meters double precision,
    product text
);

CREATE TABLE player_session_heart_rate_zones (
    record_key text NOT NULL REFERENCES records ON DELETE CASCADE,
    n integer NOT NULL,
    index integer, lower_bpm integer, upper_bpm integer, seconds double precision,
    PRIMARY KEY (record_key, n)
);

CREATE TABLE player_session_speed_zones (
    record_key text NOT NULL REFERENCES records ON DELETE CASCADE,
    n integer NOT NULL,
    index integer, lower_kmh double precision, upper_kmh double precision, meters double precision,
    PRIMARY KEY (record_key, n)
);

CREATE TABLE player_session_acceleration_zones (
    record_key text NOT NULL REFERENCES records ON DELETE CASCADE,
    n integer NOT NULL,
    limit_ms2 double precision, count double precision,
    PRIMARY KEY (record_key, n)
);

CREATE TABLE player_session_power_zones (
    record_key text NOT NULL REFERENCES records ON DELETE CASCADE,
    n integer NOT NULL,
    index integer, lower_w double precision, upper_w double precision,
    seconds double precision, muscle_load double precision,
    PRIMARY KEY (record_key, n)
);

CREATE TABLE cardio_loads (
    record_key text PRIMARY KEY REFERENCES records ON DELETE CASCADE,
    user_id text,
    date date,
    day_start timestamptz, day_start_offset_min integer,
    status text,
    cardio_load double precision, strain double precision,
    tolerance double precision, ratio double precision,
    level_very_low double precision, level_low double precision, level_medium double precision,
    level_high double precision, level_very_high double precision
);
CREATE INDEX cardio_loads_user_date ON cardio_loads (user_id, date);

-- The samples are in series (field heart_rate); sample i was taken at
-- the offset of the last utc_offsets row with index <= i.
CREATE TABLE continuous_heart_rates (
    record_key text PRIMARY KEY REFERENCES records ON DELETE CASCADE,
    user_id text,
    date date,
    day_start timestamptz, day_start_offset_min integer,
    day_end timestamptz, day_end_offset_min integer,
    zone text,
    polar_user text
);

CREATE TABLE continuous_heart_rate_utc_offsets (
    record_key text NOT NULL REFERENCES records ON DELETE CASCADE,
    n integer NOT NULL,
    index integer, utc_offset_minutes integer,
    PRIMARY KEY (record_key, n)
);

CREATE TABLE daily_activities (
    record_key text PRIMARY KEY REFERENCES records ON DELETE CASCADE,
    user_id text,
    date date,
    day_start timestamptz, day_start_offset_min integer,
    created timestamptz, created_offset_min integer,
    id bigint,
    calories integer, active_calories integer,
    duration_seconds double precision,
    active_steps integer,
    step_sample_interval_minutes integer,
    zone_sample_interval_minutes integer
);

CREATE TABLE daily_activity_step_samples (
    record_key text NOT NULL REFERENCES records ON DELETE CASCADE,
    n integer NOT NULL,
    time timestamptz, time_offset_min integer,
    steps integer,
    PRIMARY KEY (record_key, n)
);

-- One row per sample and zone.
CREATE TABLE daily_activity_zone_samples (
    record_key text NOT NULL REFERENCES records ON DELETE CASCADE,
    n integer NOT NULL,
    time timestamptz, time_offset_min integer,
    index integer, name text, in_zone_seconds double precision,
    PRIMARY KEY (record_key, n, index)
);

CREATE TABLE daily_activity_zone_totals (
    record_key text NOT NULL REFERENCES records ON DELETE CASCADE,
    n integer NOT NULL,
    index integer, name text, in_zone_seconds double precision,
    PRIMARY KEY (record_key, n)
);

CREATE TABLE physical_information (
    record_key text PRIMARY KEY REFERENCES records ON DELETE CASCADE,
    user_id text,
    id bigint,
    created timestamptz, created_offset_min integer,
    weight_kg double precision, height_cm double precision,
    maximum_heart_rate integer, resting_heart_rate integer,
    aerobic_threshold integer, anaerobic_threshold integer,
    vo2_max integer,
    weight_source text
);

CREATE TABLE sleepwise_alertness (
    record_key text PRIMARY KEY REFERENCES records ON DELETE CASCADE,
    user_id text,
    period_start timestamptz, period_start_offset_min integer,
    period_end timestamptz, period_end_offset_min integer,
    grade double precision,
    grade_validity_seconds bigint,
    grade_type text, grade_classification text, validity text,
    sleep_inertia text, sleep_type text, result_type text,
    sleep_period_start timestamptz, sleep_period_start_offset_min integer,
    sleep_period_end timestamptz, sleep_period_end_offset_min integer,
    sleep_timezone_offset_minutes integer
);

CREATE TABLE sleepwise_alertness_hourly (
    record_key text NOT NULL REFERENCES records ON DELETE CASCADE,
    n integer NOT NULL,
    start_time timestamptz, start_offset_min integer,
    end_time timestamptz, end_offset_min integer,
    validity text, alertness_level text,
    PRIMARY KEY (record_key, n)
);

CREATE TABLE sleepwise_circadian_bedtimes (
    record_key text PRIMARY KEY REFERENCES records ON DELETE CASCADE,
    user_id text,
    period_start timestamptz, period_start_offset_min integer,
    period_end timestamptz, period_end_offset_min integer,
    preferred_sleep_period_start timestamptz, preferred_sleep_period_start_offset_min integer,
    preferred_sleep_period_end timestamptz, preferred_sleep_period_end_offset_min integer,
    sleep_gate_start timestamptz, sleep_gate_start_offset_min integer,
    sleep_gate_end timestamptz, sleep_gate_end_offset_min integer,
    validity text, quality text, result_type text,
    sleep_timezone_offset_minutes integer
);

CREATE TABLE skin_temperatures (
    record_key text PRIMARY KEY REFERENCES records ON DELETE CASCADE,
    user_id text,
    sleep_date date,
    day_start timestamptz, day_start_offset_min integer,
    sleep_time_skin_temperature_celsius double precision,
    deviation_from_baseline_celsius double precision
);

CREATE TABLE skin_contacts (
    record_key text PRIMARY KEY REFERENCES records ON DELETE CASCADE,
    user_id text,
    source_device_id text,
    start_time timestamptz, start_offset_min integer,
    end_time timestamptz, end_offset_min integer,
    modified timestamptz, modified_offset_min integer
);

CREATE TABLE skin_contact_changes (
    record_key text NOT NULL REFERENCES records ON DELETE CASCADE,
    n integer NOT NULL,
    skin_contact boolean,
    recording_time_delta_ms bigint,
    at timestamptz, at_offset_min integer,
    PRIMARY KEY (record_key, n)
);

-- The ECG samples as arrays: sample i at test_time +
-- samples_recording_time_delta_ms[i].
CREATE TABLE ecg_tests (
    record_key text PRIMARY KEY REFERENCES records ON DELETE CASCADE,
    user_id text,
    source_device_id text,
    test_time timestamptz, test_time_offset_min integer,
    average_heart_rate_bpm bigint,
    heart_rate_variability_ms double precision,
    heart_rate_variability_level text,
    rri_ms double precision,
    pulse_transit_time_systolic_ms double precision,
    pulse_transit_time_diastolic_ms double precision,
    pulse_transit_time_quality_index double precision,
    samples_recording_time_delta_ms integer[],
    samples_amplitude_mv double precision[]
);

CREATE TABLE ecg_test_quality_measurements (
    record_key text NOT NULL REFERENCES records ON DELETE CASCADE,
    n integer NOT NULL,
    recording_time_delta_ms integer, quality_level text,
    PRIMARY KEY (record_key, n)
);

CREATE TABLE spo2_tests (
    record_key text PRIMARY KEY REFERENCES records ON DELETE CASCADE,
    user_id text,
    source_device_id text,
    test_time timestamptz, test_time_offset_min integer,
    test_status text,
    blood_oxygen_percent integer,
    spo2_class text,
    spo2_value_deviation_from_baseline text,
    spo2_quality_average_percent double precision,
    average_heart_rate_bpm bigint,
    heart_rate_variability_ms double precision,
    spo2_hrv_deviation_from_baseline text,
    altitude_meters double precision
);
