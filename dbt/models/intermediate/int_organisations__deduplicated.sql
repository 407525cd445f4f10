{#
    Each community social organisation of each monthly register, once: a registered organisation is
    known by its credit code, a filed one by its community and filing number. An organisation listed
    twice in a month (on the registered and the filed list) keeps its registered row.
#}

with organisations as (
    select
        period,
        coalesce(uscc, {{ dbt.concat(['community_code', "'/'", "coalesce(filing_no, organisation_name)"]) }})
            as organisation_key,
        uscc,
        filing_no,
        community_code,
        registration_kind,
        service_field,
        established_date,
        organisation_status,
        is_active_last_year,
        row_number() over (
            partition by period, coalesce(uscc, {{ dbt.concat(['community_code', "'/'", "coalesce(filing_no, organisation_name)"]) }})
            order by case when registration_kind = '登记' then 0 else 1 end, line_number
        ) as row_in_month
    from {{ ref('stg_civil_affairs__social_organisations') }}
)

select
    period,
    organisation_key,
    uscc,
    filing_no,
    community_code,
    registration_kind,
    service_field,
    established_date,
    organisation_status,
    organisation_status = '正常' as is_operating,
    coalesce(is_active_last_year, false) as is_active_last_year
from organisations
where row_in_month = 1
